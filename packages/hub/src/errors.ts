import { type ErrorContext, LivegoError } from '@livego/amf';

export type HubErrorCode =
  | 'HUB_STREAM_BUSY'
  | 'HUB_CLOSED'
  | 'HUB_BAD_NAME'
  | 'HUB_TOO_MANY_VIEWERS'
  | 'HUB_TOO_MANY_STREAMS';

export class HubError extends LivegoError {
  declare readonly code: HubErrorCode;

  constructor(code: HubErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context);
    this.name = 'HubError';
  }
}
