import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * Lets go of the HTTP upgrade request once its socket is a websocket.
 *
 * @fastify/websocket leaves two paths from every open websocket back to the request it came from:
 * the `error` listener it adds (a closure over Fastify's Request and Reply: the IncomingMessage with
 * its headers and head buffer, the hijacked ServerResponse, the per-request child logger) and the
 * TCP socket's `_httpMessage`, the ServerResponse it was assigned for routing. Both are dropped
 * here, so an idle connection holds only the websocket and its TCP socket. The caller must attach
 * its own `error` listener (the widget socket does: log, terminate — what the plugin's default did).
 *
 * Nothing else uses them: the response was hijacked, is never sent, and never finishes, so no
 * `onResponse` hook runs for a websocket request either way.
 */
export function releaseUpgradeRequest(socket: WebSocket, req: FastifyRequest): void {
  socket.removeAllListeners('error');
  const tcp = req.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  const res = tcp?._httpMessage;
  if (res && typeof res.detachSocket === 'function') res.detachSocket(tcp);
  if (tcp) dropClearedIdleTimer(tcp);
}

/**
 * The HTTP idle timeout (Fastify's `connectionTimeout`) is armed on every connection; `ws` clears
 * it on upgrade with `setTimeout(0)`, but Node's socket keeps the cleared timer (and the bound
 * `_onTimeout` it would have called) for the socket's lifetime: ~190 bytes per open websocket,
 * for nothing. Dropped when, and only when, it is the cleared timer (Node never fires or refreshes
 * a cleared one, and checks the slot before using it); otherwise left as it is.
 */
function dropClearedIdleTimer(tcp: Socket): void {
  const slots = tcp as unknown as Record<symbol, { _idleTimeout?: number } | null | undefined>;
  const kTimeout = Object.getOwnPropertySymbols(tcp).find((s) => s.description === 'timeout');
  if (kTimeout && slots[kTimeout]?._idleTimeout === -1) slots[kTimeout] = null;
}
