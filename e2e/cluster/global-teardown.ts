import { stopKeptStack } from '../support/stack';
import { stopKeptCluster } from './cluster-holder';

/** The worker (it drains), the console, then the cluster's nodes. */
export default async function globalTeardown(): Promise<void> {
  await stopKeptStack('cluster');
  await stopKeptCluster();
}
