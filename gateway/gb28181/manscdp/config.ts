// Device configuration (GB/T 28181-2016 §A.2.3.2 DeviceConfig, §A.2.4.7 / §A.2.6.7 ConfigDownload;
// docs/gb28181.md §4, §5.3): the <BasicParam> block, read with ConfigDownload and written with
// DeviceConfig. DeviceConfig is addressed to the device ID (quirk 17) and answered with a
// <Response> of CmdType DeviceConfig and a <Result>.
//
//   <Query>    <CmdType>ConfigDownload</CmdType> <SN/> <DeviceID/> <ConfigType>BasicParam</ConfigType>
//   <Response> <CmdType>ConfigDownload</CmdType> <SN/> <DeviceID/> <Result/> <BasicParam>…</BasicParam>
//   <Control>  <CmdType>DeviceConfig</CmdType>   <SN/> <DeviceID/> <BasicParam>…</BasicParam>
import { fail, ok, GbErrorCode } from '../errors.js';
import { readFields, writeFields, type Field, type FieldReader } from './field-table.js';
import { deviceMessageCodec, leaf, readInt, type MessageBase, type MessageCodec } from './fields.js';
import { readResultCode, resultResponseCodec, type ResultCode } from './result.js';
import { childElement, childText, xmlElement } from './xml.js';

/**
 * <BasicParam>. DeviceConfig writes Name, Expiration, HeartBeatInterval and HeartBeatCount; a
 * ConfigDownload answer also names the device's SIP server. A device's <Password> is never read.
 */
export interface BasicParam {
  name?: string;
  deviceId?: string;
  sipServerId?: string;
  sipServerIp?: string;
  sipServerPort?: number;
  domainName?: string;
  /** Registration lifetime, seconds. */
  expiration?: number;
  /** Keepalive interval, seconds (the standard spells HeartBeat with a capital B). */
  heartBeatInterval?: number;
  /** Keepalives missed before the device counts as offline. */
  heartBeatCount?: number;
}

/** A count of seconds or keepalives: a negative number is not one, so it reads as absent. */
const readCount: FieldReader<number> = (el, name) => {
  const n = readInt(el, name);
  return n !== undefined && n >= 0 ? n : undefined;
};

// In §A.2.6 order; element names are matched without case (devices write HeartbeatInterval too).
const BASIC_PARAM_FIELDS: readonly Field<BasicParam>[] = [
  ['Name', 'name', childText],
  ['DeviceID', 'deviceId', childText],
  ['SIPServerID', 'sipServerId', childText],
  ['SIPServerIP', 'sipServerIp', childText],
  ['SIPServerPort', 'sipServerPort', readCount],
  ['DomainName', 'domainName', childText],
  ['Expiration', 'expiration', readCount],
  ['HeartBeatInterval', 'heartBeatInterval', readCount],
  ['HeartBeatCount', 'heartBeatCount', readCount],
];

export interface ConfigDownloadQuery extends MessageBase {
  kind: 'ConfigDownloadQuery';
  /** One type or several joined by '/': BasicParam, VideoParamOpt, SVACEncodeConfig, … */
  configType: string;
}

export interface ConfigDownloadResponse extends MessageBase {
  kind: 'ConfigDownloadResponse';
  result?: ResultCode;
  basicParam?: BasicParam;
}

export interface DeviceConfig extends MessageBase {
  kind: 'DeviceConfig';
  basicParam: BasicParam;
}

export interface DeviceConfigResponse extends MessageBase {
  kind: 'DeviceConfigResponse';
  result: ResultCode;
}

export const configDownloadQueryCodec = deviceMessageCodec<ConfigDownloadQuery>({
  kind: 'ConfigDownloadQuery',
  root: 'Query',
  cmdType: 'ConfigDownload',
  parse(root, envelope) {
    const configType = childText(root, 'ConfigType');
    return configType === undefined
      ? fail(GbErrorCode.MISSING_FIELD, 'ConfigType')
      : ok({ ...envelope, configType });
  },
  body: (m) => [leaf('ConfigType', m.configType)],
});

export const configDownloadResponseCodec = deviceMessageCodec<ConfigDownloadResponse>({
  kind: 'ConfigDownloadResponse',
  root: 'Response',
  cmdType: 'ConfigDownload',
  parse(root, envelope) {
    const m: ConfigDownloadResponse = { ...envelope };
    const result = readResultCode(root, 'Result');
    if (result) {
      m.result = result;
    }
    const basic = childElement(root, 'BasicParam');
    if (basic) {
      m.basicParam = readFields(basic, BASIC_PARAM_FIELDS);
    }
    return ok(m);
  },
  body: (m) => [
    ...(m.result === undefined ? [] : [leaf('Result', m.result)]),
    ...(m.basicParam ? [xmlElement('BasicParam', writeFields(m.basicParam, BASIC_PARAM_FIELDS))] : []),
  ],
});

export const deviceConfigCodec = deviceMessageCodec<DeviceConfig>({
  kind: 'DeviceConfig',
  root: 'Control',
  cmdType: 'DeviceConfig',
  parse(root, envelope) {
    const basic = childElement(root, 'BasicParam');
    return basic
      ? ok({ ...envelope, basicParam: readFields(basic, BASIC_PARAM_FIELDS) })
      : fail(GbErrorCode.MISSING_FIELD, 'BasicParam');
  },
  body: (m) => [xmlElement('BasicParam', writeFields(m.basicParam, BASIC_PARAM_FIELDS))],
});

export const deviceConfigResponseCodec: MessageCodec<DeviceConfigResponse> = resultResponseCodec(
  'DeviceConfigResponse',
  'DeviceConfig',
);
