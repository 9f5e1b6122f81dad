// Where a simulated channel is at a given time: every channel drives its own closed loop (an
// ellipse a few hundred metres across around the channel's catalog position), at a steady
// speed, so the demo map shows markers moving and leaving tracks. Pure.

export interface RouteFix {
  longitude: number;
  latitude: number;
  /** km/h */
  speed: number;
  /** Degrees clockwise from north. */
  direction: number;
}

export interface RouteOptions {
  /** Centre of the loop. */
  longitude: number;
  latitude: number;
  /** Loop radius east-west and north-south, metres. Default 300 × 200. */
  radiusEastM?: number;
  radiusNorthM?: number;
  /** One lap. Default 120 s. */
  periodSec?: number;
  /** Where on the loop the channel starts, 0-1. */
  phase?: number;
}

const EARTH_M_PER_DEG_LAT = 111_320;

export function routeFix(o: RouteOptions, epochMs: number): RouteFix {
  const ax = o.radiusEastM ?? 300;
  const ay = o.radiusNorthM ?? 200;
  const period = o.periodSec ?? 120;
  const theta = 2 * Math.PI * ((epochMs / 1000 / period + (o.phase ?? 0)) % 1);
  const east = ax * Math.cos(theta);
  const north = ay * Math.sin(theta);
  // Velocity is the derivative; counter-clockwise around the centre.
  const w = (2 * Math.PI) / period;
  const vEast = -ax * w * Math.sin(theta);
  const vNorth = ay * w * Math.cos(theta);
  const mPerDegLon = EARTH_M_PER_DEG_LAT * Math.cos((o.latitude * Math.PI) / 180);
  const direction = ((Math.atan2(vEast, vNorth) * 180) / Math.PI + 360) % 360;
  return {
    longitude: round(o.longitude + east / mPerDegLon, 6),
    latitude: round(o.latitude + north / EARTH_M_PER_DEG_LAT, 6),
    speed: round(Math.hypot(vEast, vNorth) * 3.6, 1),
    direction: round(direction, 1),
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
