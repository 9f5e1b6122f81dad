// What the cascade needs from the rest of the gateway to serve an upper platform: our own upper
// role's play, record and PTZ operations (UpperPlatform implements them) and the stream hub to
// subscribe to. A port, so the cascade can be tested without SIP devices behind it.
import type { PlaybackControl, RecordItem, StreamView } from '../../views/services.js';
import type { Stream } from '../../hub/stream.js';
import type { PtzCommand } from '../ptz.js';
import type { AudioFrame } from '../../talk/audio-frame.js';

/** Our own talk toward one channel, fed by the upper's audio (docs/voice.md §8). */
export interface TalkRelay {
  write(frame: AudioFrame): void;
  close(reason: string): void;
}
import type { LowerAlarmControl, LowerPosition } from '../lower/backend.js';

export interface LocalGateway {
  /** Start, or join, the live stream of one of our channels (INVITE s=Play downward). */
  startLive(deviceId: string, channelId: string): Promise<StreamView>;
  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView>;
  controlPlayback(streamId: string, control: PlaybackControl): Promise<void>;
  stopStream(streamId: string): Promise<void>;
  queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]>;
  /** The upper's PTZCmd as it came, to the channel of our device (docs/gb28181.md §5.2). */
  ptzCommand(deviceId: string, channelId: string, command: PtzCommand): Promise<void>;
  stream(streamId: string): Stream | undefined;
  /**
   * The upper's voice broadcast to a channel we share: broadcast to our own device and take the
   * upper's audio as the talk's source. Resolves once our device answered, or with its refusal.
   */
  relayTalk?(deviceId: string, channelId: string): Promise<TalkRelay | { refused: string }>;
  /** The newest stored MobilePosition of one of our channels (for the upper's position subscription). */
  latestPosition?(deviceId: string, channelId: string): Omit<LowerPosition, 'channelId'> | undefined;
  /**
   * The upper's GuardCmd/AlarmCmd, to `targetId` of our device (docs/gb28181.md §5.3): 'OK' when the
   * device confirmed, null when it only answered the SIP 200.
   */
  deviceControl?(deviceId: string, targetId: string, command: LowerAlarmControl): Promise<'OK' | null>;
}
