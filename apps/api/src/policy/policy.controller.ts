import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PoliciesView } from '@nf/contracts';
import { AdminOnly } from '../auth/auth.decorators';
import { PolicyService } from './policy.service';

@ApiTags('policies')
@Controller('policies')
@AdminOnly('viewer')
export class PolicyController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @ApiOperation({
    summary: 'The model telemetry policy: its document and every policy (P1..P7) checked now, with evidence',
    description: 'Each policy is pass, warn or fail with the facts it was derived from (never secrets); overall is the worst. '
      + 'docs/policies/model_telemetry.md says how each is enforced and where.',
  })
  @ApiResponse({ status: 200, description: 'PoliciesView (@nf/contracts)' })
  view(): Promise<PoliciesView> {
    return this.policies.view();
  }
}
