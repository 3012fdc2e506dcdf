// FITS image I/O: header cards and 4-axis float images.
export { BLOCK, encodeHeader, formatCard, formatReal, historyCards, parseCard } from './header';
export type { FitsCard, FitsValue } from './header';
export { imageCards, readFitsImage, writeFitsImage } from './image';
export type { FitsImage, FitsImageDescription } from './image';
