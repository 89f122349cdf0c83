import { handleUnaryCall, Metadata, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HttpException, INestApplication } from '@nestjs/common';
import { AdminGuard, TenantGuard } from '../auth/auth.guards';
import { SESSION_COOKIE } from '../auth/admin-sessions.service';
import { parseCookies } from '../auth/cookies';
import { CSRF_HEADER } from '../auth/csrf';
import { TenantPrincipal } from '../auth/tenants.service';
import { InferenceController } from '../runtime/api/inference.controller';
import { InferenceService, MAX_DEADLINE_MS } from '../runtime/api/inference.service';
import { V2Error } from '../runtime/api/v2.errors';
import { ModelRepository } from '../runtime/model-repository.service';
import { grpcToV2Body, ModelInferRequest, v2ToGrpcResponse } from './grpc-codec';
import { toGrpcStatus } from './grpc-errors';

/** Who may call an RPC, as on the matching REST route. */
type Access = 'anyone' | 'tenant' | 'admin';

interface Caller {
  tenant: TenantPrincipal;
}

/** The server's extensions that gRPC serves too; the others (sealed inference, binary tensor data) are REST media types. */
const GRPC_EXTENSIONS = ['model_repository'];

/** A metadata value as the REST header would be: one string, an array when repeated, undefined when absent. */
function header(metadata: Metadata, key: string): string | string[] | undefined {
  const values = metadata.get(key).map((v) => (typeof v === 'string' ? v : v.toString('latin1')));
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** The call's gRPC deadline as the REST path's relative deadline in ms (undefined when the call has none), capped at the longest it accepts. */
export function callDeadlineMs(call: ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return undefined;
  return Math.min(MAX_DEADLINE_MS, Math.max(1, Math.ceil(at - Date.now())));
}

const versionOf = (version: string) => (version === '' ? undefined : version);
/** A 503 of the REST path (not ready, shutting down): a readiness RPC answers `ready: false` to it. */
const notReady = (error: unknown) => (error instanceof V2Error ? error.status : error instanceof HttpException ? error.getStatus() : 0) === 503;

/**
 * inference.GRPCInferenceService over the REST path's services: the same controller answers health
 * and server metadata, InferenceService validates, schedules and runs inference, the same guards'
 * checks authenticate (API key as `authorization: Bearer nf_...` metadata; the repository extension
 * with the admin session cookie and CSRF token as `cookie` / `x-csrf-token` metadata), and every
 * error leaves as the status code of its HTTP status with the REST error text.
 */
export function inferenceServiceImplementation(app: INestApplication): UntypedServiceImplementation {
  const controller = app.get(InferenceController);
  // Typed explicitly so that refuse(), which never returns, ends control flow for the compiler.
  const inference: InferenceService = app.get(InferenceService);
  const models = app.get(ModelRepository);
  const tenants = app.get(TenantGuard);
  const admins = app.get(AdminGuard);

  const authenticate = async (access: Access, metadata: Metadata): Promise<Caller | undefined> => {
    if (access === 'anyone') return undefined;
    if (access === 'tenant') return { tenant: await tenants.tenantFor(header(metadata, 'authorization')) };
    const cookies = header(metadata, 'cookie');
    const token = parseCookies(Array.isArray(cookies) ? cookies.join('; ') : cookies)[SESSION_COOKIE];
    // Every repository RPC changes state (REST serves them as POST), so the CSRF token is required as there.
    await admins.authenticate(token, header(metadata, CSRF_HEADER), { role: 'admin', changesState: true });
    return undefined;
  };

  function unary<Req, Res>(access: Access, handle: (request: Req, caller: Caller, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      authenticate(access, call.metadata)
        .then((caller) => handle(call.request, caller!, call))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(toGrpcStatus(error)),
        );
    };
  }

  const readiness = async (check: () => unknown) => {
    try {
      await check();
      return { ready: true };
    } catch (error) {
      if (notReady(error)) return { ready: false };
      throw error;
    }
  };

  return {
    ServerLive: unary('anyone', () => controller.live()),
    ServerReady: unary('anyone', () => readiness(() => controller.ready())),
    ModelReady: unary<{ name: string; version: string }, { ready: boolean }>('tenant', (request) =>
      readiness(() => controller.modelReady(request.name, versionOf(request.version))),
    ),
    ServerMetadata: unary('tenant', () => {
      const { name, version, extensions } = controller.server();
      return { name, version, extensions: extensions.filter((e) => GRPC_EXTENSIONS.includes(e)) };
    }),
    ModelMetadata: unary<{ name: string; version: string }, unknown>('tenant', (request) => {
      const { name, versions, platform, inputs, outputs } = inference.metadata(request.name, versionOf(request.version));
      return { name, versions, platform, inputs, outputs };
    }),
    ModelInfer: unary<ModelInferRequest, unknown>('tenant', async (request, { tenant }, call) => {
      const version = versionOf(request.model_version);
      let decoded;
      try {
        decoded = grpcToV2Body(request);
      } catch (error) {
        // Counted as the codec's refusals are, after the model lookup (an unknown model is NOT_FOUND whatever the message holds).
        inference.refuse(request.model_name, version, error);
      }
      const { body, raw } = decoded;
      const result = await inference.inferTensors(request.model_name, version, body, tenant, callDeadlineMs(call), raw && ((index: number) => raw[index]));
      return v2ToGrpcResponse(result, request, raw !== undefined);
    }),
    RepositoryIndex: unary<{ repository_name: string; ready: boolean }, unknown>('admin', (request) => {
      const entries = models.index().filter((m) => !request.ready || m.state === 'READY');
      return { models: entries.map(({ name, version, state, reason }) => ({ name, version, state, reason: reason ?? '' })) };
    }),
    RepositoryModelLoad: unary<{ model_name: string; parameters: Record<string, unknown> }, unknown>('admin', async (request) => {
      if (Object.keys(request.parameters ?? {}).length) throw new V2Error(400, 'parameters: loading with an overriding config or files is not supported');
      await inference.load(request.model_name);
      return {};
    }),
    RepositoryModelUnload: unary<{ model_name: string }, unknown>('admin', async (request) => {
      await inference.unload(request.model_name);
      return {};
    }),
  };
}
