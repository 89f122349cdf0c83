import { Controller, Get, NotFoundException, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditEntrySummaryView, AuditFacetsView, AuditPageView } from '@nf/contracts';
import { AdminOnly } from '../auth/auth.decorators';
import { AuditChainReportDto, AuditEntryDto, AuditFacetsDto, AuditPageDto, ListAuditQuery } from './audit.dto';
import { AuditChainReport, AuditEntryView, AuditService, MAX_AUDIT_SEQ, toSummary } from './audit.service';

const DEFAULT_PAGE = 50;
const seqPipe = new ParseIntPipe({ exceptionFactory: () => new NotFoundException('no audit entry with that seq (it is a positive integer)') });

@ApiTags('audit')
@Controller('audit')
@AdminOnly('viewer')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'Audit entries, newest first',
    description: 'Filters combine (AND). By default every field is returned, signature included, so entries can be checked offline; '
      + 'view=summary leaves the chain fields out (a tenth of the size). For the next older page pass nextBeforeSeq as beforeSeq; '
      + 'for the next newer one, the first seq of this page as afterSeq. total and newer place the page among the matching entries.',
  })
  @ApiResponse({ status: 200, type: AuditPageDto })
  @ApiResponse({ status: 400, description: 'invalid filter, keyed by field' })
  async list(@Query() query: ListAuditQuery): Promise<AuditPageView<AuditEntrySummaryView>> {
    const { view, ...filter } = query;
    const page = await this.audit.page({ ...filter, limit: query.limit ?? DEFAULT_PAGE });
    return view === 'summary' ? { ...page, entries: page.entries.map(toSummary) } : page;
  }

  @Get('facets')
  @ApiOperation({ summary: 'The actions and named actors in the log: the values the list filters take' })
  @ApiResponse({ status: 200, type: AuditFacetsDto })
  facets(): Promise<AuditFacetsView> {
    return this.audit.facets();
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the whole chain: seq gapless, links, hashes, ML-DSA-65 signatures',
    description: 'Walks every entry: links and hashes each call; ML-DSA-65 signatures (a few ms each) only of entries no earlier call verified unchanged. '
      + '`ok: false` names the first entry that does not hold; nf_audit_chain_ok follows the result.',
  })
  @ApiResponse({ status: 200, type: AuditChainReportDto })
  verify(): Promise<AuditChainReport> {
    return this.audit.verifyChain();
  }

  @Get(':seq')
  @ApiOperation({ summary: 'One entry with every field, signature included' })
  @ApiResponse({ status: 200, type: AuditEntryDto })
  @ApiResponse({ status: 404, description: 'no entry with that seq' })
  async entry(@Param('seq', seqPipe) seq: number): Promise<AuditEntryView> {
    const entry = seq <= MAX_AUDIT_SEQ ? await this.audit.entry(seq) : undefined;
    if (!entry) throw new NotFoundException(`no audit entry ${seq}`);
    return entry;
  }
}
