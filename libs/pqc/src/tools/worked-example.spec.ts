import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WORKED_EXAMPLE_BEGIN, WORKED_EXAMPLE_END, renderWorkedExample } from './worked-example';

const DOC = path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'protocol', 'pqc-handshake.md');

describe('docs/protocol/pqc-handshake.md worked example', () => {
  it('matches what the code produces today', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(WORKED_EXAMPLE_BEGIN);
    const end = doc.indexOf(WORKED_EXAMPLE_END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const documented = doc.slice(start, end + WORKED_EXAMPLE_END.length);
    // On failure: regenerate with the tool and paste its output between the markers.
    expect(documented).toBe(renderWorkedExample());
  });

  it('is deterministic', () => {
    expect(renderWorkedExample()).toBe(renderWorkedExample());
  });
});
