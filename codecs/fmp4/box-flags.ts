// Flag bits of the track fragment boxes (ISO/IEC 14496-12 §8.8.7 tfhd, §8.8.8 trun): one list for
// the fragment writer and for the readers that retime or filter stored fragments.
export const TFHD_BASE_DATA_OFFSET = 0x000001;
export const TFHD_SAMPLE_DESCRIPTION = 0x000002;
export const TFHD_DEFAULT_DURATION = 0x000008;
export const TFHD_DEFAULT_SIZE = 0x000010;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
export const TRUN_DATA_OFFSET = 0x000001;
export const TRUN_FIRST_FLAGS = 0x000004;
export const TRUN_DURATION = 0x000100;
export const TRUN_SIZE = 0x000200;
export const TRUN_FLAGS = 0x000400;
export const TRUN_CTO = 0x000800;
