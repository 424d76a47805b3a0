// Reading a Kubernetes Secret's key: the source of TCP MD5 passwords given in config as
// `password: {secret: {namespace, name, key}}`. Uses @kubernetes/client-node with the in-cluster
// service account (or KUBECONFIG outside a cluster). The value never leaves this function except
// to the session that needs it, and the caller registers it with the logger as a secret.
// In: namespace/name/key. Out: the decoded value, or an Error naming the Secret (never its data).
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface SecretReader {
  read(namespace: string, name: string, key: string): Promise<string>;
}

/** The namespace podbgp runs in (downward API POD_NAMESPACE, or the service account's file). */
export function ownNamespace(env: NodeJS.ProcessEnv): string {
  return env.POD_NAMESPACE ?? env.PODBGP_NAMESPACE ?? 'kube-system';
}

export class KubeSecretReader implements SecretReader {
  private readonly api: CoreV1Api;

  constructor(kubeConfig?: KubeConfig) {
    const kc = kubeConfig ?? defaultKubeConfig();
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async read(namespace: string, name: string, key: string): Promise<string> {
    let secret;
    try {
      secret = await this.api.readNamespacedSecret({ name, namespace });
    } catch (e) {
      const code = (e as { code?: number }).code;
      const why =
        code === 404 ? 'not found' : code === 403 ? 'forbidden (check the RBAC rules)' : (e as Error).message;
      throw new Error(`Secret ${namespace}/${name}: ${why}`, { cause: e });
    }
    const b64 = secret.data?.[key];
    if (b64 === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${JSON.stringify(key)}`);
    return Buffer.from(b64, 'base64').toString('utf8');
  }
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
