/**
 * Stands in for Node's util module in the ldapts bundle (see gulpfile.js): ldapts takes only TextDecoder from it,
 * which is also a global.
 */
const UtilTextDecoder = TextDecoder;

export { UtilTextDecoder as TextDecoder };
