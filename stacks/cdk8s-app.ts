/**
 * Entry for the cdk8s CLI (`cdk8s synth --no-check-upgrade`, see cdk8s.yaml): every environment
 * into `<CDK8S_OUTDIR>/<env>/`. The CLI deletes its output folder first; `npm run synth` does not.
 */
import { synthesize } from './synthesize';

// CDK8S_OUTDIR is how the cdk8s CLI tells its app where to write (it is not a platform setting).
synthesize({ outDir: process.env.CDK8S_OUTDIR ?? 'dist' });
