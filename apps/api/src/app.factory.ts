import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import * as path from 'node:path';
import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { LoadedEnv } from './env/env.loader';
import { ProxyTrust } from './env/env.fields';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { useBoundedJsonBodies } from './http/json-body';
import { securityHeaders, useSecurityHeaders } from './http/security-headers';
import { validationPipe } from './http/validation';
import { Clock } from './lifecycle/clock';
import { PQC_BODY_ERROR_CODES } from './pqc/handshake/handshake.controller';
import { TelemetryService, telemetryHook } from './policy/telemetry.service';
import { inferOpenApiPaths } from './runtime/api/infer/infer.openapi';
import { V2_NAMESPACE } from './runtime/api/v2.errors';
import { InferenceMetrics } from './runtime/scheduler/inference.metrics';
import { restrictPlainListener } from './tls/plain-listener-scope';
import { dashboardAssets } from './http/dashboard-assets';
import { JobHookChain, metricsHook, modelReadyHook, simulationPolicyHook, tenantAdmissionHook } from './runtime/scheduler/job-hooks';
import { VERSION } from './version';

export interface AppOptions {
  logger?: LoggerService | false;
  /** Built dashboard (vite output); served at / when present. */
  dashboardDir?: string;
}

/**
 * Everything is served from this origin: the dashboard's bundled scripts, /docs (Swagger UI's
 * scripts are files too; its styles are partly inline), and the API the dashboard calls.
 * No upgrade-insecure-requests: the plain listener serves the dashboard in simulation.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Longest path parameter Fastify routes (its default): model names, ids and seqs are far shorter; longer is 414. */
const MAX_PARAM_LENGTH = 100;

/**
 * TRUST_PROXY as Fastify's trustProxy. A hop count goes as a function of the hop's position: Fastify
 * reads a bare number as "trust no one", while TRUST_PROXY=N means the nearest N peers, whatever their address.
 */
const fastifyTrustProxy = (trust: ProxyTrust) => (typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust);

export const DEFAULT_DASHBOARD_DIR = path.resolve('dist', 'dashboard');

/** Builds the whole HTTP application; main.ts and the e2e tests share it. */
export async function createApp(env: LoadedEnv, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const { settings } = env;
  // request.ip and request.protocol follow X-Forwarded-For / -Proto only from TRUST_PROXY peers.
  // One filter shapes every error: those of routes, and those Fastify answers before routing (frameworkErrors).
  const errors = new AllExceptionsFilter(settings.http.bodyLimitBytes, [PQC_BODY_ERROR_CODES], [V2_NAMESPACE]);
  const addSecurityHeaders = securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // HSTS binds a host name, not a port: a browser that once trusted https://localhost:8643 would then refuse
    // the plain http://localhost:8600 that simulation serves, so only production sends it.
    strictTransportSecurity: settings.mode === 'production',
  });
  const adapter = new FastifyAdapter({
    bodyLimit: settings.http.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(settings.http.trustProxy),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: errors.frameworkErrors(MAX_PARAM_LENGTH, addSecurityHeaders),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), adapter, {
    logger: options.logger ?? false,
    bufferLogs: false,
    // Body parsers are ours (http/json-body.ts): JSON with a nesting bound; no other media type is parsed.
    bodyParser: false,
  });
  useBoundedJsonBodies(adapter.getInstance());
  useSecurityHeaders(adapter.getInstance(), addSecurityHeaders);
  if (settings.http.plainRoutes === 'probes') restrictPlainListener(adapter.getInstance(), settings.tls.port);
  // The hook chain every inference job passes, fixed before the first job can run.
  const clock = app.get(Clock);
  app
    .get(JobHookChain)
    .register(
      modelReadyHook,
      simulationPolicyHook(settings.mode === 'production', settings.runtime.allowMockInProduction),
      tenantAdmissionHook(settings.inference.tenantRateLimit, settings.inference.tenantBurst, () => clock.now()),
      metricsHook(app.get(InferenceMetrics)),
      telemetryHook(app.get(TelemetryService)),
    );
  app.useGlobalFilters(errors);
  app.useGlobalPipes(validationPipe);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Neural Fabric API')
      .setDescription('Post-quantum front door for ML inference')
      .setVersion(VERSION)
      .build(),
  );
  // The infer route is registered on Fastify directly (runtime/api/infer/infer.route.ts); its description is written out.
  Object.assign(document.paths, inferOpenApiPaths());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  const dashboardDir = options.dashboardDir ?? DEFAULT_DASHBOARD_DIR;
  // Registered as the plugin itself: Nest's useStaticAssets types an older @fastify/static's options.
  if (existsSync(path.join(dashboardDir, 'index.html'))) await app.register(fastifyStatic, dashboardAssets(dashboardDir));
  await app.init();
  return app;
}
