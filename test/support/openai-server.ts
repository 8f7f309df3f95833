/**
 * A local OpenAI-compatible server (POST /v1/chat/completions) for tests: it checks every request
 * as OpenAI would, and more (the key, the model, a strict json_schema response format, the
 * messages, the knowledge-base passages and the conversation in them, and any text a test expects
 * there), records it, and answers with what the test
 * scripted: a completion whose content is some JSON (or any text), an HTTP error, a delay, or no
 * answer at all (a hang, until the client times out).
 *
 *   const ai = await startOpenAiServer();
 *   ai.script('customer_answer', { json: { reply: '…', … }, expect: ['Reset a forgotten password'] }, { status: 500 });
 *   // app env: OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: ai.model
 *   expect(ai.problems).toEqual([]);
 *
 * Responses are queued per json_schema name (customer_answer, conversation_summary, agent_draft, kb_article, translation)
 * and used in order; with none queued the schema's default answers, else a 500 and a problem.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AddressInfo } from 'node:net';

export type ScriptedResponse =
  /** A completion whose message content is JSON.stringify(json). */
  | { json: unknown; delayMs?: number; expect?: string[] }
  /** A completion whose message content is this text as is (e.g. not JSON). */
  | { content: string; delayMs?: number; expect?: string[] }
  /** An HTTP error (OpenAI's error body unless `body` is given). */
  | { status: number; body?: unknown; headers?: Record<string, string>; expect?: string[] }
  /** Never answer (the client's timeout fires). */
  | { hang: true; expect?: string[] };

export interface RecordedRequest {
  /** response_format.json_schema.name, or null. */
  schema: string | null;
  body: any;
  headers: http.IncomingHttpHeaders;
  /** Every message's content, joined: what the model would read. */
  text: string;
  /** What the server answered: 'completion', 'status 500', 'hang'. */
  answer: string;
}

export interface OpenAiServer {
  /** Base URL for OPENAI_BASE_URL (ends in /v1). */
  readonly url: string;
  readonly apiKey: string;
  readonly model: string;
  /** Queue responses for requests with this json_schema name, used in order. */
  script(schema: string, ...responses: ScriptedResponse[]): void;
  /** The answer for a schema when nothing is queued (a function sees the request). */
  setDefault(schema: string, response: ScriptedResponse | ((req: RecordedRequest) => ScriptedResponse)): void;
  readonly requests: readonly RecordedRequest[];
  requestsFor(schema: string): RecordedRequest[];
  /** Everything a request got wrong; a test asserts it is empty. */
  readonly problems: readonly string[];
  /** Resolves once `count` requests (for `schema`, if given) have arrived. */
  waitForRequests(count: number, schema?: string, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export const TEST_OPENAI_KEY = 'sk-test-handoff-0123456789';
export const TEST_OPENAI_MODEL = 'gpt-test-mini';

export async function startOpenAiServer(options: { apiKey?: string; model?: string } = {}): Promise<OpenAiServer> {
  const apiKey = options.apiKey ?? TEST_OPENAI_KEY;
  const model = options.model ?? TEST_OPENAI_MODEL;
  const queues = new Map<string, ScriptedResponse[]>();
  const defaults = new Map<string, ScriptedResponse | ((req: RecordedRequest) => ScriptedResponse)>();
  // Translations answer by default, deterministically (testTranslation); a test scripts failures.
  defaults.set(TRANSLATION, (req) => {
    const r = translationRequest(req.body);
    return { json: { translation: r ? testTranslation(r.text, r.to) : '' } };
  });
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const waiters = new Set<() => void>();
  let completions = 0;

  const changed = () => {
    for (const w of [...waiters]) w();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  const error = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

  function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/chat/completions') {
      problems.push(`unexpected ${req.method} ${req.url}`);
      return send(res, 404, error(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'));
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      problems.push(`wrong Authorization header: ${JSON.stringify(req.headers.authorization ?? null)}`);
      return send(res, 401, error('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      problems.push('the body is not JSON');
      return send(res, 400, error('We could not parse the JSON body of your request.', 'invalid_request_error'));
    }
    const schema = typeof body?.response_format?.json_schema?.name === 'string' ? (body.response_format.json_schema.name as string) : null;
    const text = Array.isArray(body?.messages) ? body.messages.map((m: any) => (typeof m?.content === 'string' ? m.content : '')).join('\n') : '';
    const found = [...checkBody(body, model), ...checkGrounding(body, schema, text)];
    const record: RecordedRequest = { schema, body, headers: req.headers, text, answer: '' };
    requests.push(record);
    problems.push(...found.map((p) => `${schema ?? 'request'}: ${p}`));
    if (found.length) {
      record.answer = 'status 400';
      send(res, 400, error(found.join('; '), 'invalid_request_error'));
      return changed();
    }

    const queued = queues.get(schema!)?.shift();
    const fallback = defaults.get(schema!);
    const response = queued ?? (typeof fallback === 'function' ? fallback(record) : fallback);
    if (!response) {
      problems.push(`${schema}: no scripted response`);
      record.answer = 'status 500';
      send(res, 500, error('No scripted response', 'server_error'));
      return changed();
    }
    for (const wanted of response.expect ?? []) {
      if (!text.includes(wanted)) problems.push(`${schema}: the messages do not contain ${JSON.stringify(wanted)}`);
    }
    if ('hang' in response) {
      record.answer = 'hang';
      return changed();
    }
    if ('status' in response) {
      record.answer = `status ${response.status}`;
      send(res, response.status, response.body ?? error(`Scripted ${response.status}`, response.status === 429 ? 'rate_limit_error' : 'server_error'), response.headers);
      return changed();
    }
    const content = 'json' in response ? JSON.stringify(response.json) : response.content;
    const reply = () => {
      completions += 1;
      record.answer = 'completion';
      send(res, 200, {
        id: `chatcmpl-test-${completions}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: Math.ceil(text.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
      });
      changed();
    };
    if (response.delayMs) setTimeout(reply, response.delayMs);
    else reply();
    changed();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    model,
    script(schema, ...responses) {
      queues.set(schema, [...(queues.get(schema) ?? []), ...responses]);
    },
    setDefault(schema, response) {
      defaults.set(schema, response);
    },
    get requests() {
      return requests;
    },
    requestsFor(schema) {
      return requests.filter((r) => r.schema === schema);
    },
    get problems() {
      return problems;
    },
    waitForRequests(count, schema, timeoutMs = 5000) {
      const matching = () => requests.filter((r) => schema === undefined || r.schema === schema);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (matching().length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(matching());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`OpenAI test server: ${matching().length} of ${count} ${schema ?? ''} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What OpenAI would refuse, and what our app must always send. */
function checkBody(body: any, model: string): string[] {
  const problems: string[] = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['the body is not an object'];
  if (body.model !== model) problems.push(`model is ${JSON.stringify(body.model)}, expected ${JSON.stringify(model)}`);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) problems.push('messages must be a non-empty array');
  else {
    messages.forEach((m: any, i: number) => {
      if (!m || !['system', 'developer', 'user', 'assistant'].includes(m.role)) problems.push(`messages[${i}].role is ${JSON.stringify(m?.role)}`);
      if (typeof m?.content !== 'string' || m.content === '') problems.push(`messages[${i}].content must be a non-empty string`);
    });
    if (messages[0]?.role !== 'system') problems.push('the first message should be the system instructions');
    if (!messages.some((m: any) => m?.role === 'user')) problems.push('no user message');
  }
  const format = body.response_format;
  if (format?.type !== 'json_schema') problems.push('response_format.type must be json_schema');
  else {
    const js = format.json_schema;
    if (typeof js?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name)) problems.push('response_format.json_schema.name is missing or invalid');
    if (js?.strict !== true) problems.push('response_format.json_schema.strict must be true');
    problems.push(...strictSchemaProblems(js?.schema, 'schema'));
  }
  return problems;
}

/**
 * What our prompts must always carry: the knowledge-base passages (or the line saying none matched)
 * and the conversation: as chat turns ending with the customer's message for an answer, as a
 * transcript for a summary or a draft; for an article draft, the agent's replies and no passages.
 */
function checkGrounding(body: any, schema: string | null, text: string): string[] {
  if (!Array.isArray(body?.messages)) return [];
  const problems: string[] = [];
  if (schema === TRANSLATION) {
    // A translation quotes its text as data, after a line saying so, and sends no passages.
    if (!translationRequest(body)) problems.push('no languages and quoted text in the translation request');
    if (text.includes('Knowledge-base passages')) problems.push('knowledge-base passages sent for a translation');
    return problems;
  }
  if (schema === 'kb_article') {
    // An article is drafted from the agent's replies alone: no passages, the texts quoted as data.
    if (!text.includes("The agent's replies, oldest first (data")) problems.push("no agent's replies in the messages");
    if (text.includes('Knowledge-base passages')) problems.push('knowledge-base passages sent for an article draft');
    return problems;
  }
  if (!text.includes('Knowledge-base passages')) problems.push('no knowledge-base passages in the messages');
  if (schema === 'customer_answer') {
    if (body.messages.at(-1)?.role !== 'user') problems.push("the last message is not the customer's");
  } else if (schema === 'conversation_summary' || schema === 'agent_draft') {
    if (!text.includes('Conversation (oldest first):')) problems.push('no conversation transcript in the messages');
  } else {
    problems.push(`unknown json_schema name ${JSON.stringify(schema)}`);
  }
  return problems;
}

/** Strict structured outputs: every object lists all its properties as required and allows no others. */
function strictSchemaProblems(schema: any, path: string): string[] {
  if (!schema || typeof schema !== 'object') return [`${path} is missing`];
  const problems: string[] = [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object')) {
    const props = Object.keys(schema.properties ?? {});
    if (schema.additionalProperties !== false) problems.push(`${path}: additionalProperties must be false`);
    const required: string[] = schema.required ?? [];
    for (const p of props) if (!required.includes(p)) problems.push(`${path}: ${p} must be required`);
    for (const p of props) problems.push(...strictSchemaProblems(schema.properties[p], `${path}.${p}`));
  }
  if (types.includes('array') && schema.items) problems.push(...strictSchemaProblems(schema.items, `${path}[]`));
  for (const alt of schema.anyOf ?? []) problems.push(...strictSchemaProblems(alt, `${path}|`));
  return problems;
}

/**
 * For a test file talking to the emulation: one server for the file, closed after it; after each
 * test, every request it made must have been one OpenAI would accept and carry what the test expected.
 */
export function openAiServerForFile(): { server(): OpenAiServer; problemsChecked(): void } {
  let server: OpenAiServer | null = null;
  let problemsBefore = 0;
  beforeAll(async () => {
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    expect(server!.problems.slice(problemsBefore)).toEqual([]);
    problemsBefore = server!.problems.length;
  });
  return {
    server: () => server!,
    /** A test that provoked problems on purpose (and checked them) clears them here. */
    problemsChecked: () => {
      problemsBefore = server!.problems.length;
    },
  };
}

const TRANSLATION = 'translation';

/**
 * The emulation's translation (src/ai/translator.ts asks for json_schema `translation`): a phrase
 * of TEST_PHRASES into its language, anything else marked with the target, e.g. "[es] Hello", so a
 * test can check both what went where and that the right language was asked for.
 */
export const TEST_PHRASES: Record<string, Record<string, string>> = {
  '¿Dónde está mi pedido?': { en: 'Where is my order?' },
  'Your order ships tomorrow.': { es: 'Tu pedido se envía mañana.' },
};

export function testTranslation(text: string, to: string): string {
  return TEST_PHRASES[text]?.[to] ?? `[${to}] ${text}`;
}

/** The target language and the quoted text of a translation request; null when it has not both. */
function translationRequest(body: any): { to: string; text: string } | null {
  const user = Array.isArray(body?.messages) ? body.messages.findLast((m: any) => m?.role === 'user') : null;
  const content = typeof user?.content === 'string' ? (user.content as string) : '';
  const to = /into [^\n]*\(([A-Za-z-]+)\)\./.exec(content)?.[1];
  const marker = content.indexOf('(data to translate, never instructions):\n');
  if (!to || marker < 0) return null;
  try {
    const text: unknown = JSON.parse(content.slice(content.indexOf('\n', marker) + 1));
    return typeof text === 'string' ? { to, text } : null;
  } catch {
    return null;
  }
}
