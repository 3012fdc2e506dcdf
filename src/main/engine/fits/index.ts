// FITS image I/O: header cards, 4-axis float images, and the one reader of an image header's WCS.
export { BLOCK, encodeHeader, formatCard, formatReal, historyCards, parseCard } from './header';
export type { FitsCard, FitsValue } from './header';
export { imageCards, readFitsImage, writeFitsImage } from './image';
export type { FitsImage, FitsImageDescription } from './image';
export {
  bandwidthFromHeader,
  frequencyFromHeader,
  restoringBeamFromHeader,
  skyGridFromHeader,
  stokesFromHeader,
} from './wcs';
