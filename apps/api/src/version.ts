/** Kept equal to package.json's version (a unit test checks). */
export const VERSION = '8.1.1';
