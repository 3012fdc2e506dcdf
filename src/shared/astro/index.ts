// The astronomy core: time scales, sidereal time, celestial frames, transits, uvw, phase rotation.
export * from './time';
export * from './sidereal';
export * from './frames';
export * from './transit';
export * from './uvw';
export * from './phase';
