import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get, HttpStatus, OnModuleDestroy, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { FastifyReply } from 'fastify';
import { ProbeRegistry } from './probe-registry';

/**
 * Kubernetes probes; the status code is the contract (200 or 503), the body explains.
 * live: this process and its event loop only. ready: dependencies, and 503 while shutting down.
 * startup: 503 until long start-up tasks (model loads, key checks) have settled.
 */
@ApiTags('health')
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly probes: ProbeRegistry,
  ) {
    this.loopDelay.enable();
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers; reports event-loop delay' })
  @ApiResponse({ status: 200 })
  live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const eventLoop = () => {
      const result = this.indicators.check('eventLoop').up({
        delayP99Ms: Math.round(this.loopDelay.percentile(99) / 1e4) / 100,
        delayMaxMs: Math.round(this.loopDelay.max / 1e4) / 100,
      });
      this.loopDelay.reset();
      return result;
    };
    return this.run(reply, [eventLoop]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database and registered dependencies; 503 while shutting down' })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503, description: 'not ready (body names the failing dependency)' })
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const shutdown = () =>
      this.probes.isShuttingDown
        ? this.indicators.check('shutdown').down({ message: 'shutting down' })
        : this.indicators.check('shutdown').up();
    const database = () => this.db.pingCheck('database', { timeout: 1500 });
    return this.run(reply, [shutdown, database, ...this.probes.readinessChecks()]);
  }

  @Get('startup')
  @ApiOperation({ summary: 'Start-up: 503 until start-up tasks have completed' })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503, description: 'still starting, or a start-up task failed' })
  startup(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const tasks = () => {
      const { pending, failed } = this.probes.startupState();
      const session = this.indicators.check('startup');
      return pending.length || Object.keys(failed).length ? session.down({ pending, failed }) : session.up();
    };
    return this.run(reply, [tasks]);
  }

  private async run(reply: FastifyReply, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus throws a 503 carrying the full result; keep that body rather than a generic error.
      const body = (error as { getResponse?: () => unknown }).getResponse?.();
      if (!body) throw error;
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return body as HealthCheckResult;
    }
  }
}
