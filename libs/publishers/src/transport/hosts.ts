/** Host names of the Google APIs the publishers call (their URLs are constants in the clients). */
export const ML_HOST = 'firebaseml.googleapis.com';
export const STORAGE_HOST = 'storage.googleapis.com';
export const OAUTH_HOST = 'oauth2.googleapis.com';
