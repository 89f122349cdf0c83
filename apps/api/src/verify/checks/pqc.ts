import { randomBytes } from 'node:crypto';
import { handshake, isSuiteId, parseHandshakeInfo, suiteForMode, type HandshakeResult, type SealedEnvelope } from '@nf/pqc';
import { VERSION } from '../../version';
import { CheckResult, CheckRun } from '../checklist';
import { liveStep, tierStep, VerifyContext, writeReportFile } from '../context';
import { expectStatus, json, request } from '../http';
import type { Target } from '../target';
import { PQC_TIER } from '../test-tiers';

export const E1_OUTPUT = 'H.2.E1_output.json';

/** The post-quantum TLS group the https listener must negotiate with a client that offers it (Node >= 24.7 does). */
const PQ_TLS_GROUP = 'X25519MLKEM768';

interface HandshakeInfo {
  status: string;
  algorithm: string;
  sha256: string;
  bundleSha256: string;
  bundle: { keyVersion: number; notAfter?: string };
}

/**
 * E1 PQC bridge: GET /pqc/handshake, a full SDK handshake pinned to what it served and a sealed round
 * trip (plain and over the post-quantum TLS listener), a rotation that one admin alone cannot push
 * through, and the PQC test tier.
 */
export async function checkPqc(ctx: VerifyContext): Promise<CheckResult> {
  const run = new CheckRun('E1', 'PQC bridge', ctx.progress);
  const output: Record<string, unknown> = { enhancement: 'H.2.E1', version: VERSION, checkedAt: new Date().toISOString(), target: ctx.target?.url ?? null };
  let info: HandshakeInfo | undefined;

  await liveStep(run, ctx, 'GET /pqc/handshake', async (target) => {
    const answer = await request(`${target.url}/pqc/handshake`);
    expectStatus(answer, 200, 'GET /pqc/handshake');
    const body = json<HandshakeInfo>(answer, 'GET /pqc/handshake');
    if (body.status !== 'ok') throw new Error(`status is ${JSON.stringify(body.status)}, not "ok"`);
    if (!isSuiteId(body.algorithm)) throw new Error(`algorithm ${JSON.stringify(body.algorithm)} is not a suite this build knows`);
    const expected = target.env && suiteForMode(target.env.settings.pqcMode);
    if (expected && body.algorithm !== expected) throw new Error(`algorithm ${body.algorithm}, but PQC_MODE=${target.env!.settings.pqcMode} means ${expected}`);
    if (!/^[0-9a-f]{64}$/.test(String(body.sha256))) throw new Error(`sha256 ${JSON.stringify(body.sha256)} is not a SHA-256 hex digest`);
    // The advertised algorithm and hashes must agree with the signed bundle itself.
    parseHandshakeInfo(body);
    info = body;
    output.handshakeEndpoint = { status: body.status, algorithm: body.algorithm, sha256: body.sha256, bundleSha256: body.bundleSha256, keyVersion: body.bundle.keyVersion };
    return `status "ok", algorithm ${body.algorithm}, sha256 ${body.sha256}, key version ${body.bundle.keyVersion}`;
  });

  await liveStep(run, ctx, 'SDK handshake and sealed echo over http', async (target) => {
    if (!info) throw new Error('needs the pin from GET /pqc/handshake, which failed');
    const apiKey = await target.apiKey();
    const session = await handshake(target.url, { pin: info.sha256, apiKey });
    const echo = await sealedEcho(target.url, session, apiKey);
    output.sdkHttp = { ...sessionFacts(session), apiKey: apiKey ? 'tenant API key' : 'anonymous', sealedEcho: echo };
    return `session on ${session.suite} key version ${session.keyVersion} (pinned, ${apiKey ? 'tenant API key' : 'anonymous'}); sealed echo of ${echo.bytes} bytes came back intact`;
  });

  await liveStep(run, ctx, 'SDK handshake and sealed echo over the post-quantum TLS listener', async (target) => {
    if (!info) throw new Error('needs the pin from GET /pqc/handshake, which failed');
    if (!target.httpsUrl) {
      throw new Error(target.kind === 'started' ? 'the service has no https listener (TLS_ENABLED=false)' : 'no --https-url given for the running service');
    }
    const apiKey = await target.apiKey();
    const session = await handshake(target.httpsUrl, { pin: info.sha256, apiKey, tls: { ca: target.ca } });
    const tls = session.tls;
    if (!tls) throw new Error('the SDK reported no TLS connection');
    if (tls.protocol !== 'TLSv1.3') throw new Error(`negotiated ${tls.protocol}, not TLSv1.3`);
    if (tls.group !== PQ_TLS_GROUP) throw new Error(`key exchange ${tls.group ?? 'unknown'}, not ${PQ_TLS_GROUP}`);
    const echo = await sealedEcho(target.httpsUrl, session, apiKey, target.ca);
    output.sdkHttps = { ...sessionFacts(session), tls, sealedEcho: echo };
    return `${tls.protocol} ${tls.group} ${tls.cipher}, ${tls.certificateKeyType} certificate; session on ${session.suite}; sealed echo intact`;
  });

  await liveStep(run, ctx, 'rotation refused without a second admin', (target) => refusedRotation(target, output));

  output.steps = run.steps.map(({ name, status, detail }) => ({ name, status, detail }));
  output.result = run.steps.some((s) => s.status === 'fail') ? 'fail' : 'pass';
  writeReportFile(run, ctx, E1_OUTPUT, `${JSON.stringify(output, null, 2)}\n`);

  await tierStep(run, ctx, PQC_TIER, 'H.2.E1.log');
  return run.finish();
}

function sessionFacts(session: HandshakeResult) {
  return { suite: session.suite, keyVersion: session.keyVersion, transcriptSha256: session.transcriptSha256, expiresAt: session.expiresAt };
}

/** POST /pqc/echo: random bytes sealed under the session must come back sealed by the server, unchanged. */
async function sealedEcho(baseUrl: string, session: HandshakeResult, apiKey: string | undefined, ca?: Buffer) {
  const plaintext = new TextEncoder().encode(JSON.stringify({ verify: randomBytes(24).toString('base64url') }));
  const answer = await request(`${baseUrl}/pqc/echo`, {
    method: 'POST',
    body: session.seal(plaintext),
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    ca,
  });
  expectStatus(answer, 200, 'POST /pqc/echo');
  const opened = session.open(json<SealedEnvelope>(answer, 'POST /pqc/echo'));
  if (Buffer.compare(Buffer.from(opened), Buffer.from(plaintext)) !== 0) throw new Error('the sealed echo opened to different bytes');
  return { bytes: plaintext.length, intact: true };
}

interface Rotation {
  id: string;
  status: string;
  requestHash: string;
  approvalsRequired: number;
  approvals: unknown[];
}

/**
 * The two-person rule, live: a rotation request by one admin stays PENDING, that admin's own approval is
 * refused (403), the key does not change; the request is then cancelled so nothing is left open.
 */
async function refusedRotation(target: Target, output: Record<string, unknown>): Promise<string> {
  const admin = await target.admin();
  const activeVersion = async () => {
    const keys = await admin.get('/pqc/keys');
    expectStatus(keys, 200, 'GET /pqc/keys');
    return json<{ activeVersion: number }>(keys, 'GET /pqc/keys').activeVersion;
  };
  const before = await activeVersion();
  const created = await admin.post('/pqc/rotations', { reason: 'release verification: the requester alone must not be able to rotate' });
  expectStatus(created, 201, 'POST /pqc/rotations');
  const rotation = json<Rotation>(created, 'POST /pqc/rotations');
  try {
    if (rotation.status !== 'PENDING') throw new Error(`the new request is ${rotation.status}, not PENDING`);
    const own = await admin.post(`/pqc/rotations/${rotation.id}/approve`, { requestHash: rotation.requestHash });
    if (own.status !== 403) throw new Error(`the requester's own approval answered ${own.status}, not 403: ${own.text.slice(0, 200)}`);
    const refusal = String(json<{ message?: string }>(own, 'POST /pqc/rotations/:id/approve').message ?? '');
    const after = await admin.get(`/pqc/rotations/${rotation.id}`);
    expectStatus(after, 200, 'GET /pqc/rotations/:id');
    const state = json<Rotation>(after, 'GET /pqc/rotations/:id');
    if (state.status !== 'PENDING' || state.approvals.length !== 0) throw new Error(`after the refused approval the request is ${state.status} with ${state.approvals.length} approval(s)`);
    const version = await activeVersion();
    if (version !== before) throw new Error(`the active key version moved from ${before} to ${version}`);
    output.rotation = {
      requestId: rotation.id,
      requester: admin.name,
      approvalsRequired: rotation.approvalsRequired,
      selfApproval: { status: own.status, message: refusal },
      statusAfterSelfApproval: state.status,
      activeKeyVersion: version,
    };
    return `request ${rotation.id} PENDING (needs ${rotation.approvalsRequired} approval(s) from another admin); `
      + `the requester's own approval answered 403 ("${refusal}"); still PENDING, key version still ${version}`;
  } finally {
    const cancelled = await admin.post(`/pqc/rotations/${rotation.id}/cancel`);
    if (output.rotation) (output.rotation as Record<string, unknown>).finalStatus = cancelled.status === 200 ? 'CANCELLED' : `cancel answered ${cancelled.status}`;
  }
}
