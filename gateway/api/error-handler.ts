// Every error leaves as {error: {code, message}} with the status from the GW_ERR_* table.
import type { NextFunction, Request, Response } from 'express';
import { GatewayError, isGatewayError } from '../errors.js';
import { createLogger } from '../log.js';

const log = createLogger('api');

interface HttpishError {
  status?: number;
  type?: string;
}

export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  let error: GatewayError;
  if (isGatewayError(err)) {
    error = err;
  } else {
    const e = err as HttpishError;
    // body-parser errors carry a status and a type.
    if (e.type === 'entity.too.large') {
      error = new GatewayError('GW_ERR_PAYLOAD_TOO_LARGE');
    } else if (e.type === 'entity.parse.failed') {
      error = new GatewayError('GW_ERR_BAD_REQUEST', 'the body is not valid JSON');
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      error = new GatewayError('GW_ERR_BAD_REQUEST');
    } else {
      error = new GatewayError('GW_ERR_INTERNAL');
    }
  }
  if (error.status >= 500) {
    log.error({ err, method: req.method, path: req.path }, 'request failed');
  } else {
    log.info(
      { code: error.code, method: req.method, path: req.path, message: error.message },
      'request rejected',
    );
  }
  if (res.headersSent) {
    return;
  }
  res.status(error.status).json(error.toJSON());
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new GatewayError('GW_ERR_NOT_FOUND', `no route ${req.method} ${req.path}`));
}
