/** Slack's own sample payloads and answers (/work/shared/slack-samples), for shape checks when they are present. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const SAMPLES = '/work/shared/slack-samples';

export const haveSamples = existsSync(SAMPLES);

export function sample(rel: string): any {
  return JSON.parse(readFileSync(path.join(SAMPLES, rel), 'utf8'));
}

/** Every key of `obj` is one Slack's sample has (nothing to check without the samples). */
export function expectKeysWithin(obj: Record<string, unknown>, allowed: Record<string, unknown>, what: string): void {
  if (!haveSamples) return;
  const extra = Object.keys(obj).filter((k) => !(k in allowed));
  expect(extra, `${what}: keys not in Slack's sample`).toEqual([]);
}
