// <Result>OK|ERROR</Result> (GB/T 28181-2016 §A.2.6 resultType) and the response whose body is
// DeviceID + Result only: DeviceControl (§A.2.3.1, docs/gb28181.md §5.3), DeviceConfig (§A.2.3.2),
// Alarm and Broadcast (§9.4, §9.12).
import { fail, ok, GbErrorCode } from '../errors.js';
import type { FieldReader } from './field-table.js';
import { deviceMessageCodec, leaf, readEnum, type MessageBase, type MessageCodec } from './fields.js';

export type ResultCode = 'OK' | 'ERROR';
export const RESULT_CODES: readonly ResultCode[] = ['OK', 'ERROR'];

/** Case-insensitive OK/ERROR (also read for Keepalive and DeviceStatus <Status>). */
export const readResultCode: FieldReader<ResultCode> = (el, name) => readEnum(el, name, RESULT_CODES);

export type ResultResponseKind =
  'DeviceControlResponse' | 'DeviceConfigResponse' | 'AlarmResponse' | 'BroadcastResponse';

/** A <Response> carrying only <Result>, which is required: a message without it is refused. */
export function resultResponseCodec<K extends ResultResponseKind>(
  kind: K,
  cmdType: string,
): MessageCodec<MessageBase & { kind: K; result: ResultCode }> {
  return deviceMessageCodec<MessageBase & { kind: K; result: ResultCode }>({
    kind,
    root: 'Response',
    cmdType,
    parse(root, envelope) {
      const result = readResultCode(root, 'Result');
      return result ? ok({ ...envelope, result }) : fail(GbErrorCode.MISSING_FIELD, 'Result');
    },
    body: (m) => [leaf('Result', m.result)],
  });
}
