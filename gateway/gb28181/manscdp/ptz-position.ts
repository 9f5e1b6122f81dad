// PTZPosition, the 2022 precise-position query (2022 §A.2.4.13 / §A.2.6.15; docs/gb28181.md §5.4):
// a bare <Query> to the channel; the <Response> carries Pan, Tilt, Zoom and the field of view.
// Devices write the values directly under <Response> or inside a <PTZPosInfo> block; both are read,
// the flat form is written.
import { ok } from '../errors.js';
import { bareQueryCodec } from './field-table.js';
import {
  deviceMessageCodec,
  formatDecimal,
  leaf,
  readDecimal,
  type MessageBase,
  type MessageCodec,
} from './fields.js';
import { childElement } from './xml.js';

export interface PtzPositionQuery extends MessageBase {
  kind: 'PtzPositionQuery';
}

export interface PtzPositionValues {
  /** Degrees. */
  pan?: number;
  /** Degrees. */
  tilt?: number;
  /** Zoom factor. */
  zoom?: number;
  /** Degrees. */
  horizontalFieldAngle?: number;
  verticalFieldAngle?: number;
  /** Metres. */
  maxViewDistance?: number;
}

export interface PtzPositionResponse extends MessageBase, PtzPositionValues {
  kind: 'PtzPositionResponse';
}

const FIELDS = [
  ['Pan', 'pan'],
  ['Tilt', 'tilt'],
  ['Zoom', 'zoom'],
  ['HorizontalFieldAngle', 'horizontalFieldAngle'],
  ['VerticalFieldAngle', 'verticalFieldAngle'],
  ['MaxViewDistance', 'maxViewDistance'],
] as const;

export const ptzPositionQueryCodec = bareQueryCodec<PtzPositionQuery>('PtzPositionQuery', 'PTZPosition');

export const ptzPositionResponseCodec: MessageCodec<PtzPositionResponse> =
  deviceMessageCodec<PtzPositionResponse>({
    kind: 'PtzPositionResponse',
    root: 'Response',
    cmdType: 'PTZPosition',
    parse(root, envelope) {
      const from = childElement(root, 'PTZPosInfo') ?? root;
      const m: PtzPositionResponse = { ...envelope };
      for (const [xml, key] of FIELDS) {
        const v = readDecimal(from, xml) ?? readDecimal(root, xml);
        if (v !== undefined) {
          m[key] = v;
        }
      }
      return ok(m);
    },
    body: (m) =>
      FIELDS.flatMap(([xml, key]) => {
        const v = m[key];
        return v === undefined ? [] : [leaf(xml, formatDecimal(v))];
      }),
  });
