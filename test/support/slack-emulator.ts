/**
 * A faithful, stateful local emulation of Slack's Web API for tests (no network).
 *
 *   const slack = await startSlackEmulator();
 *   // give the app SLACK_API_URL=slack.apiUrl, SLACK_BOT_TOKEN=slack.bot.token
 *   ...
 *   const card = await slack.waitForMessage('C0SUPPORT', (m) => m.text.includes('refund'));
 *   await slack.close();
 *
 * It answers `POST {apiUrl}{method}` like slack.com/api does (form or JSON bodies, `Authorization: Bearer`),
 * with the response shapes of /work/shared/slack-samples/api and the error names Slack uses, and keeps the
 * workspace state (users, channels, messages and threads, ephemerals, views, trigger_ids) that tests assert on.
 * It also serves `response_url`s (`/response_url/...`) so Bolt's `respond()` lands somewhere observable.
 *
 * Deliberately faithful details worth knowing:
 * - a private channel the bot is not in does not exist for it (`channel_not_found`); a public one it is not in
 *   gives `not_in_channel` unless the token has `chat:write.public` (off by default);
 * - chat.* Block Kit violations give `invalid_blocks` with `errors` and `response_metadata.messages`
 *   (`"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"`); views.* violations give
 *   `invalid_arguments` with the same `response_metadata.messages` (what Slack does for views) plus `errors`;
 * - text over 40 000 characters gives `msg_too_long`;
 * - a trigger_id is good once (`exchanged_trigger_id` after) and for 3 s (`expired_trigger_id`); an unknown one
 *   gives `invalid_trigger_id`;
 * - `conversations.history`/`replies` return `metadata` only with `include_all_metadata=true`;
 * - blocks without `block_id` and elements without `action_id` get generated (deterministic) ids, as Slack does.
 *
 * Socket Mode (an app started with an app-level token `xapp-…` instead of a signing secret):
 * - `apps.connections.open` takes only the app-level token (DEFAULT_APP_TOKEN; a bot token gives
 *   `not_allowed_token_type`, an unknown one `invalid_auth`) and answers a one-time
 *   `ws://127.0.0.1:PORT/socket-mode?ticket=…&app_id=…` URL; the app token is refused by every bot method
 *   (`not_allowed_token_type`);
 * - the websocket speaks the protocol @slack/socket-mode expects: a `hello` first (`num_connections`,
 *   `debug_info.approximate_connection_time`, `connection_info.app_id`), then envelopes
 *   `{envelope_id, type: events_api|slash_commands|interactive, payload, accepts_response_payload[, retry_attempt,
 *   retry_reason]}` that the app acks with `{envelope_id, payload?}`; `disconnect` messages; websocket pings both ways;
 * - `sendSocketEnvelope(type, payload)` resolves with the app's ack (rejects when none comes in time);
 *   `disconnectSocketMode()` / `dropSocketMode()` play Slack recycling or losing the connection.
 *
 *   const { ack } = await slack.sendSocketEnvelope('slash_commands', { command: '/handoff', text: 'help', ... });
 *
 * Files (files:write to upload, files:read to read):
 * - files.getUploadURLExternal answers a one-time upload URL on the emulator (`/upload/v1/…`, 10 minutes, exactly
 *   `length` bytes, raw or multipart) and a file id; files.completeUploadExternal (`files: [{id, title}]`,
 *   `channel_id`, `thread_ts`, `initial_comment`) refuses a file whose bytes never came (`file_not_found`), a
 *   channel as chat.postMessage does (`not_in_channel`, `is_archived`…) and an unknown thread (`thread_not_found`),
 *   then posts one message carrying the files (synchronously: files.info shows the share at once); completing a
 *   file again shares it again, so a duplicate shows;
 * - `url_private` / `url_private_download` serve the bytes only with `Authorization: Bearer <bot token>`: without
 *   one (or with a wrong one) a 302 to a sign-in page, as Slack does; 403 without files:read; 404 once deleted;
 * - `postFileAsUser` / `deleteFileAsUser` play a person sharing a file in a thread and deleting it (the events to
 *   deliver: the `file_share` message, then `file_deleted` and the message's change or deletion);
 * - `failNext(UPLOAD_URL_METHOD, …)` / `holdNext(UPLOAD_URL_METHOD)` script the upload POSTs; `fileTransfers` lists them.
 *
 * The parts live in ./slack-emulator/: workspace.ts (team, users, channels, ts and ids), messages.ts (posts,
 * threads, edits, deletions, ephemerals), views.ts (modal stacks, Home tabs, trigger_ids), response-urls.ts,
 * block-kit.ts and content.ts (Block Kit limits and validation), auth.ts (tokens, scopes), faults.ts (scripted
 * failures, holds, rate limits), socket-mode.ts, files.ts and file-urls.ts (files, upload and file URLs), web-api/ (the endpoint and one file per
 * method family), and
 * workspace-api.ts + emulator.ts (the class tests use).
 */
export { BLOCK_KIT_LIMITS } from './slack-emulator/block-kit';
export { DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, DEFAULT_SCOPES, SLACK_IDS } from './slack-emulator/defaults';
export { SlackEmulator, startSlackEmulator } from './slack-emulator/emulator';
export { UPLOAD_URL_METHOD } from './slack-emulator/file-urls';
export { MAX_FILE_BYTES, UPLOAD_URL_TTL_MS } from './slack-emulator/files';
export type * from './slack-emulator/types';
