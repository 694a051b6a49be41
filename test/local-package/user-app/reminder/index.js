// The user's reminder consumer: plain JavaScript in an asset directory, configured by its environment.
const GREETING = process.env.GREETING;

exports.handler = async (event) => ({ text: `${GREETING}, ${event.detail.payload.user}`, sequence: event.detail.sequence });
