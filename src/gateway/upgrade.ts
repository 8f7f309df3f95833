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
}
