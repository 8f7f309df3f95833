/** An error with a stable code: people see `message`, logs get the cause. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type DomainErrorCode =
  | 'invalid_email'
  | 'not_resolved'
  | 'not_found'
  | 'unavailable'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  /** A message names an upload that is not this conversation's, is gone, or is on another message. */
  | 'file_unavailable';
