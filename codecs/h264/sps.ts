// H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) and the VUI timing fields (Annex E
// §E.1.1): what describe() and the fMP4 avcC need. Never throws: malformed or truncated
// input returns undefined.
import { BitReader } from '../bytes/bit-reader.js';
import { stripEmulationPrevention } from '../bytes/start-codes.js';
import { NalType, nalType } from './nal.js';

export interface H264Sps {
  profileIdc: number;
  /** The byte of constraint_set0..5 flags and reserved_zero_2bits, as in avcC and codec strings. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  frameMbsOnly: boolean;
  /** Luma width and height after frame cropping. */
  width: number;
  height: number;
  /** Pixel aspect ratio from the VUI; 1:1 when absent. */
  sarWidth: number;
  sarHeight: number;
  /** time_scale / (2 * num_units_in_tick) when the VUI carries timing info (§E.2.1). */
  frameRate?: number;
}

/** Profiles whose SPS carries chroma_format_idc and bit depths (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: sample aspect ratios for aspect_ratio_idc 1..16. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [1, 1],
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];
const EXTENDED_SAR = 255;

/** Parses an SPS NAL unit (header byte included, start code excluded). */
export function parseH264Sps(nal: Uint8Array): H264Sps | undefined {
  if (nal.length < 4 || nalType(nal[0]) !== NalType.SPS) {
    return undefined;
  }
  const r = new BitReader(stripEmulationPrevention(nal).subarray(1));
  const profileIdc = r.u(8);
  const constraintFlags = r.u(8);
  const levelIdc = r.u(8);
  const spsId = r.ue();
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLumaMinus8 = 0;
  let bitDepthChromaMinus8 = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) {
      separateColourPlane = r.flag();
    }
    bitDepthLumaMinus8 = r.ue();
    bitDepthChromaMinus8 = r.ue();
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: 8 lists (12 for 4:4:4), 4x4 then 8x8 (§7.3.2.1.1.1)
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.flag()) {
          skipScalingList(r, i < 6 ? 16 : 64);
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) {
      return undefined;
    }
    for (let i = 0; i < cycle; i++) {
      r.se();
    }
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) {
    r.skip(1);
  } // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.flag()) {
    cropLeft = r.ue();
    cropRight = r.ue();
    cropTop = r.ue();
    cropBottom = r.ue();
  }
  if (r.overrun || chromaFormatIdc > 3) {
    return undefined;
  }

  // Frame cropping units (§7.4.2.1.1, eq. 7-19..7-22): ChromaArrayType 0 crops in luma
  // samples; otherwise in chroma samples (SubWidthC x SubHeightC from Table 6-1).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = widthInMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) {
    return undefined;
  }

  const sps: H264Sps = {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    bitDepthLumaMinus8,
    bitDepthChromaMinus8,
    frameMbsOnly,
    width,
    height,
    sarWidth: 1,
    sarHeight: 1,
  };
  if (r.flag()) {
    readVui(r, sps);
  } // vui_parameters_present_flag
  return sps;
}

/** scaling_list() (§7.3.2.1.1.1): only skipped, the values are not needed here. */
function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && !r.overrun; j++) {
    if (next !== 0) {
      next = (last + r.se() + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

/** vui_parameters() up to timing_info (§E.1.1); fields are kept only when fully read. */
function readVui(r: BitReader, sps: H264Sps): void {
  let sarWidth = 1;
  let sarHeight = 1;
  if (r.flag()) {
    // aspect_ratio_info_present_flag
    const idc = r.u(8);
    if (idc === EXTENDED_SAR) {
      sarWidth = r.u(16);
      sarHeight = r.u(16);
    } else if (idc < SAR_TABLE.length && idc > 0) {
      [sarWidth, sarHeight] = SAR_TABLE[idc]!;
    }
  }
  if (r.flag()) {
    r.skip(1);
  } // overscan_info_present_flag -> overscan_appropriate_flag
  if (r.flag()) {
    // video_signal_type_present_flag: video_format(3) full_range(1), colour description
    r.skip(4);
    if (r.flag()) {
      r.skip(24);
    }
  }
  if (r.flag()) {
    r.ue(); // chroma_sample_loc_type_top_field
    r.ue(); // chroma_sample_loc_type_bottom_field
  }
  let frameRate: number | undefined;
  if (r.flag()) {
    // timing_info_present_flag: one frame is two ticks (§E.2.1, for frame-coded video)
    const numUnitsInTick = r.u(32);
    const timeScale = r.u(32);
    if (numUnitsInTick > 0 && timeScale > 0) {
      frameRate = timeScale / (2 * numUnitsInTick);
    }
  }
  if (r.overrun) {
    return;
  }
  if (sarWidth > 0 && sarHeight > 0) {
    sps.sarWidth = sarWidth;
    sps.sarHeight = sarHeight;
  }
  if (frameRate !== undefined) {
    sps.frameRate = frameRate;
  }
}
