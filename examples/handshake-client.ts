// Minimal client: handshake with a running API, then seal a request body for it.
//
//   npm run build:api
//   PQC_URL=http://localhost:8600 PQC_PIN=<sha256 from GET /pqc/handshake> node dist/examples/handshake-client.js
//
// Without PQC_PIN the bundle is only checked for a valid signature and validity window
// (trust on first use); production clients should always pin.
import { PqcProtocolError, PqcServerError, handshake } from '@nf/pqc';

async function main(): Promise<void> {
  const baseUrl = process.env.PQC_URL ?? 'http://localhost:8600';
  const session = await handshake(baseUrl, {
    pin: process.env.PQC_PIN,
    receipt: process.env.PQC_RECEIPT === '1',
  });
  console.log('session', {
    sessionId: session.sessionId,
    suite: session.suite,
    keyVersion: session.keyVersion,
    transcriptSha256: session.transcriptSha256,
    expiresAt: session.expiresAt,
    receipt: session.receipt !== undefined,
  });

  // A sealed round trip through POST /pqc/echo: the server opens our envelope and seals the
  // same plaintext back under the session (application routes such as sealed inference work alike).
  const envelope = session.seal(new TextEncoder().encode(JSON.stringify({ hello: 'neural fabric' })));
  const reply = await fetch(`${baseUrl}/pqc/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(envelope),
  });
  if (!reply.ok) throw new Error(`echo failed: HTTP ${reply.status} ${await reply.text()}`);
  console.log('echoed', new TextDecoder().decode(session.open(await reply.json())));
}

main().catch((error: unknown) => {
  if (error instanceof PqcServerError) console.error(`server refused: ${error.statusCode} ${error.code ?? error.error}: ${error.message} (${error.errorId ?? '-'})`);
  else if (error instanceof PqcProtocolError) console.error(`protocol error ${error.code}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
