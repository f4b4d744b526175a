import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { ArtifactStore } from '@internal/plugin-novahost-node';

/**
 * Garbage collection of stored artifacts. Blobs are content-addressed and
 * shared between deployments (and projects): one is deleted only when no
 * deployment references it any more, decided in the database
 * (collectUnreferencedBlobs), so a blob another build is about to reuse is
 * never removed from under it.
 */
export class ArtifactGc {
  constructor(
    private readonly o: {
      db: NovahostDatabase;
      store: ArtifactStore;
    },
  ) {}

  /** The blobs the given deployments reference: read before their rows go. */
  candidates(deploymentIds: string[]): Promise<string[]> {
    return this.o.db.blobsOfDeployments(deploymentIds);
  }

  /**
   * After the deployments' rows were deleted: removes their manifests and
   * every candidate blob nothing references any more. Returns how many blobs.
   */
  async collect(deploymentIds: string[], candidates: string[]) {
    await this.o.store.deleteManifests(deploymentIds);
    const unreferenced = await this.o.db.collectUnreferencedBlobs(candidates);
    await this.o.store.deleteBlobs(unreferenced);
    return unreferenced.length;
  }
}
