// The DSA-110 instrument model: stations and geodesy, band layout, primary beams.
export * from './geodesy';
export * from './stations';
export * from './band';
export * from './bessel';
export * from './beam';
