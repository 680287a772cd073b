import { version } from '../../package.json';

/** The app's version from package.json, written into recipes. */
export const APP_VERSION: string = version;
