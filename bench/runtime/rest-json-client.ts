// KServe V2 REST with JSON tensors: one keep-alive agent, bodies serialised up front.
import * as http from 'node:http';
import { request } from './load';
import { Protocol } from './protocol-client';

export const restJson: Protocol = {
  name: 'rest-json',
  bare: true,
  async open(target, requests, concurrency) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const url = `${target.url}${target.restInferPath}`;
    const bodies = requests.map((inputs) =>
      JSON.stringify({ inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data) })) }),
    );
    return {
      infer: async (n) => (await request(agent, url, 'POST', bodies[n % bodies.length], target.headers)).status === 200,
      close: async () => agent.destroy(),
    };
  },
};
