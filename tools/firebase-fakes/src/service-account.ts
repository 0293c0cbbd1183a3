import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/** The JSON layout of a Google service-account key file, as the console downloads it. */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/**
 * Mints a fresh RSA service-account key (test-only) so the OAuth fake can verify the JWT grant
 * the real google-auth-library signs. Token URI stays Google's: routing, not rewriting, sends
 * the grant to the fake, exactly as a production key file would be used.
 */
export function createServiceAccount(projectId: string): { keyFile: ServiceAccountKeyFile; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = randomBytes(20).toString('hex');
  const clientEmail = `publisher-${id.slice(0, 6)}@${projectId}.iam.gserviceaccount.com`;
  return {
    publicKey,
    keyFile: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: id,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: String(BigInt(`0x${id.slice(0, 15)}`)),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    },
  };
}
