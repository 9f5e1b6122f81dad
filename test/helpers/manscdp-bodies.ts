// MANSCDP bodies a scripted lower platform sends (GB/T 28181-2016 §A.2), as literal XML in
// GB2312 bytes, the way devices send them (docs/gb28181.md §0, §2, §3.1).
import iconv from 'iconv-lite';

export interface CatalogEntry {
  id: string;
  name: string;
  status?: 'ON' | 'OFF';
}

/** One Catalog Response page (docs/gb28181.md §3.1) as GB2312 bytes; `items` may be empty. */
export function catalogPage(deviceId: string, sn: string, sumNum: number, items: CatalogEntry[]): Buffer {
  const list = items
    .map(
      (i) =>
        `<Item>\r\n<DeviceID>${i.id}</DeviceID>\r\n<Name>${i.name}</Name>\r\n<Manufacturer>Test</Manufacturer>\r\n` +
        `<ParentID>${deviceId}</ParentID>\r\n<Status>${i.status ?? 'ON'}</Status>\r\n</Item>\r\n`,
    )
    .join('');
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<SumNum>${sumNum}</SumNum>\r\n` +
      (items.length ? `<DeviceList Num="${items.length}">\r\n${list}</DeviceList>\r\n` : '') +
      `</Response>\r\n`,
  );
}

export function keepaliveBody(deviceId: string, sn: number): Buffer {
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n`,
  );
}

export function deviceInfoBody(deviceId: string, sn: string, name: string): Buffer {
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>DeviceInfo</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<Result>OK</Result>\r\n<DeviceName>${name}</DeviceName>\r\n</Response>\r\n`,
  );
}

export function gb2312(text: string): Buffer {
  return iconv.encode(text, 'gb2312');
}
