import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Deepest nesting of objects and arrays a JSON body may have. The deepest legitimate body is a V2
 * tensor written as nested arrays ({inputs:[{data:[[...]]}]}: three levels plus its rank), far below
 * this; far above it, recursive code further in (validation, structured clone to a worker) runs out
 * of stack and the caller would get a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** The characters that can change the nesting count or whether the scan is inside a string. */
const STRUCTURE = /["\\[\]{}]/g;

/**
 * Whether `text` nests objects/arrays deeper than `max`, counting brackets outside strings only.
 * It does not validate: malformed text is left for JSON.parse to refuse. The regular expression
 * jumps from one structural character to the next, so long strings and numbers (a handshake's
 * base64url keys, a tensor's values) cost a native scan rather than a JavaScript loop turn per character.
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  STRUCTURE.lastIndex = 0;
  while (STRUCTURE.test(text)) {
    const i = STRUCTURE.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) STRUCTURE.lastIndex = i + 2; // whatever is escaped
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/** The refusal of a JSON body nested deeper than `max` (the same words for every parser of JSON bodies). */
export const tooDeepMessage = (max = MAX_JSON_DEPTH) => `JSON body nests objects or arrays deeper than ${max} levels`;
const tooDeep = (max: number) => new BadRequestException(tooDeepMessage(max));
const notUtf8 = () => new BadRequestException('JSON body is not valid UTF-8');

type Done = (error: Error | null, body?: unknown) => void;
type StringParser = (request: FastifyRequest, body: string, done: Done) => void;
type BodyParser = (request: FastifyRequest, body: Buffer | string, done: Done) => void;

/** JSON text is UTF-8 (RFC 8259 §8.1): anything else is refused, not silently turned into U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Fastify's own JSON parser (prototype-poisoning protection; malformed JSON is its 400) behind a UTF-8
 * check and a nesting bound, so nothing after the parser ever sees a body nested deeper than MAX_JSON_DEPTH.
 * Bodies arrive as bytes: read as a string, invalid UTF-8 would become U+FFFD, the decoded length would
 * differ from Content-Length and Fastify would answer a misleading "body size did not match".
 */
export function boundedJsonParser(fastify: FastifyInstance, max = MAX_JSON_DEPTH): BodyParser {
  const parse = fastify.getDefaultJsonParser('error', 'error') as StringParser;
  return (request, body, done) => {
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      return done(notUtf8());
    }
    if (jsonNestingExceeds(text, max)) return done(tooDeep(max));
    parse(request, text, done);
  };
}

/** Registers a JSON media type (application/json, or one of a protocol's own) behind boundedJsonParser. */
export function addBoundedJsonParser(fastify: FastifyInstance, contentType: string): void {
  fastify.addContentTypeParser(contentType, { parseAs: 'buffer' }, boundedJsonParser(fastify));
}

/**
 * Replaces the application/json parser and drops Fastify's text/plain one: JSON is the only media type
 * parsed (a body of another type is 415, named in the answer). Other JSON media types use addBoundedJsonParser.
 */
export function useBoundedJsonBodies(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  addBoundedJsonParser(fastify, 'application/json');
}
