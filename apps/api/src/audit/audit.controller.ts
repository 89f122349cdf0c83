import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { AuditChainReportDto, AuditPageDto, ListAuditQuery } from './audit.dto';
import { AuditChainReport, AuditService } from './audit.service';

const DEFAULT_PAGE = 50;

@ApiTags('audit')
@Controller('audit')
@AdminOnly('viewer')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'Audit entries, newest first',
    description: 'Filters combine (AND). Every field is returned, signature included, so entries can be checked offline. '
      + 'For the next page pass nextBeforeSeq as beforeSeq.',
  })
  @ApiResponse({ status: 200, type: AuditPageDto })
  @ApiResponse({ status: 400, description: 'invalid filter, keyed by field' })
  async list(@Query() query: ListAuditQuery): Promise<AuditPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const entries = await this.audit.list({ ...query, limit });
    const last = entries.at(-1);
    return entries.length === limit && last && last.seq > 1 ? { entries, nextBeforeSeq: last.seq } : { entries };
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the whole chain: seq gapless, links, hashes, ML-DSA-65 signatures',
    description: 'Walks every entry; cost grows with the log (one ML-DSA-65 verification, a few ms, per entry). '
      + '`ok: false` names the first entry that does not hold; nf_audit_chain_ok follows the result.',
  })
  @ApiResponse({ status: 200, type: AuditChainReportDto })
  verify(): Promise<AuditChainReport> {
    return this.audit.verifyChain();
  }
}
