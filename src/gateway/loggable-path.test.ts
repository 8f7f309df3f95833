import { describe, expect, it } from 'vitest';
import { loggablePath } from './server';

describe('loggablePath', () => {
  it('drops the query and fragment, where a reopen token or another secret may ride', () => {
    expect(loggablePath('/?handoff_reopen=v1.abc.def')).toBe('/');
    expect(loggablePath('/api/stats?token=secret&x=1')).toBe('/api/stats');
    expect(loggablePath('/widget.js#frag')).toBe('/widget.js');
    expect(loggablePath('/healthz')).toBe('/healthz');
  });
});
