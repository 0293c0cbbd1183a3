/** How many held-out samples the parity fixture carries (verify needs >= 256). */
export const HELDOUT_SAMPLES = 512;
