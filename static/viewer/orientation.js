// How the image is turned on screen: quarter turns clockwise, then a left-right flip, as a
// workstation's Rotate and Flip buttons do. Pure maths between image pixels (u, v) and the
// "display" image (the turned and flipped picture, origin top left), which the view then scales
// and places (painting.js).
export const UPRIGHT = Object.freeze({ turns: 0, flipped: false });

export function turned(orientation, turns = 1) {
  return { ...orientation, turns: (((orientation.turns + turns) % 4) + 4) % 4 };
}

// Flipping mirrors the picture as it is on screen, whatever the turns.
export function mirrored(orientation) {
  return { ...orientation, flipped: !orientation.flipped };
}

export function orientedSize(width, height, orientation) {
  return orientation.turns % 2 ? { width: height, height: width } : { width, height };
}

export function toDisplay(u, v, width, height, orientation) {
  let x = u;
  let y = v;
  if (orientation.turns === 1) [x, y] = [height - v, u];
  else if (orientation.turns === 2) [x, y] = [width - u, height - v];
  else if (orientation.turns === 3) [x, y] = [v, width - u];
  if (orientation.flipped) x = orientedSize(width, height, orientation).width - x;
  return { x, y };
}

export function fromDisplay(x, y, width, height, orientation) {
  if (orientation.flipped) x = orientedSize(width, height, orientation).width - x;
  if (orientation.turns === 1) return { x: y, y: height - x };
  if (orientation.turns === 2) return { x: width - x, y: height - y };
  if (orientation.turns === 3) return { x: width - y, y: x };
  return { x, y };
}

// toDisplay as a canvas matrix [a, b, c, d, e, f] (the order of ctx.transform()).
export function displayMatrix(width, height, orientation) {
  const origin = toDisplay(0, 0, width, height, orientation);
  const across = toDisplay(1, 0, width, height, orientation);
  const down = toDisplay(0, 1, width, height, orientation);
  return [across.x - origin.x, across.y - origin.y, down.x - origin.x, down.y - origin.y,
    origin.x, origin.y];
}

// The image direction (du, dv) a screen direction (dx, dy) points along.
export function imageDirection(dx, dy, width, height, orientation) {
  const a = fromDisplay(0, 0, width, height, orientation);
  const b = fromDisplay(dx, dy, width, height, orientation);
  return { u: b.x - a.x, v: b.y - a.y };
}
