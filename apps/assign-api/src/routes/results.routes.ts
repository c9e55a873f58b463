import { COVERAGE_LAYERS, type ApplicationFile, type ApplicationLayers, type CoverageLayerName } from '@agair/domain-models';
import { Role, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { JobIdParams } from './jobs.schemas.js';
import { ApplicationsResponse, CoverageCollectionSchema, CoverageQuery } from './results.schemas.js';
import { jobForCaller, type RouteContext } from './route-context.js';

const tags = ['results'];
const config = { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] };
const MAX_FILES = 1000;

const LAYER_AREA: Record<CoverageLayerName, 'treatedAreaHa' | 'overlapAreaHa' | 'offTargetAreaHa' | 'skippedAreaHa'> = {
  treated: 'treatedAreaHa',
  overlap: 'overlapAreaHa',
  offTarget: 'offTargetAreaHa',
  skipped: 'skippedAreaHa',
};

function layerFeatures(idPrefix: string, layers: ApplicationLayers, areaOf: (layer: CoverageLayerName) => number | null, source: { fileId: string | null; logId: string | null }) {
  return COVERAGE_LAYERS.map((layer) => ({
    type: 'Feature' as const,
    id: `${idPrefix}:${layer}`,
    geometry: layers[layer],
    properties: { layer, scope: source.fileId === null ? ('job' as const) : ('log' as const), areaHa: areaOf(layer), ...source },
  }));
}

function fileSummary(file: ApplicationFile) {
  return {
    fileId: file.id,
    logId: file.logId,
    aircraftId: file.aircraftId,
    fileName: file.fileName,
    partnerCode: file.partnerCode,
    extJobId: file.extJobId,
    assignId: file.assignId,
    match: file.match,
    processingStage: file.processing.stage,
    createdAt: file.createdAt,
    summary: file.summary,
  };
}

export function registerResultRoutes(app: HttpApp, context: RouteContext): void {
  const { repositories } = context;

  app.get(
    '/api/jobs/:jobId/applications',
    {
      config,
      schema: {
        tags,
        summary: 'What was applied on a job: a summary per flight log and totals across logs',
        params: JobIdParams,
        response: { 200: ApplicationsResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const job = await jobForCaller(context, principalOf(request), request.params.jobId);
      const [files, record] = await Promise.all([
        repositories.applicationRecords.listFilesByCustomer(job.customerId, { jobId: job.id, limit: MAX_FILES }),
        repositories.applicationRecords.findJobRecord(job.customerId, job.id),
      ]);
      files.sort((a, b) => (a.summary.startTime ?? a.createdAt).localeCompare(b.summary.startTime ?? b.createdAt));
      const current = new Set(files.map((f) => f.id));
      const totals = record && {
        fileCount: record.fileIds.length,
        upToDate: record.fileIds.length === current.size && record.fileIds.every((id) => current.has(id)),
        computedAt: record.computedAt,
        summary: record.summary,
      };
      return { jobId: job.id, files: files.map(fileSummary), totals };
    },
  );

  app.get(
    '/api/jobs/:jobId/coverage',
    {
      config,
      schema: {
        tags,
        summary: 'As-applied coverage of a job: GeoJSON features for its treated, overlap, off-target and skipped layers (and each log’s with include=logs)',
        params: JobIdParams,
        querystring: CoverageQuery,
        produces: ['application/geo+json', 'application/json'],
        response: { 200: CoverageCollectionSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const job = await jobForCaller(context, principalOf(request), request.params.jobId);
      const jobCoverage = await repositories.applicationRecords.findJobCoverage(job.customerId, job.id);
      const features = jobCoverage
        ? layerFeatures(job.id, jobCoverage.layers, (layer) => jobCoverage.record.summary[LAYER_AREA[layer]], { fileId: null, logId: null })
        : [];
      if (request.query.include === 'logs') {
        const logs = await repositories.applicationRecords.listCoverageByJob(job.customerId, job.id);
        const files = new Map((await repositories.applicationRecords.listFilesByCustomer(job.customerId, { jobId: job.id, limit: MAX_FILES })).map((f) => [f.id, f]));
        for (const log of logs) {
          const file = files.get(log.fileId);
          features.push(...layerFeatures(log.fileId, log.layers, (layer) => file?.summary[LAYER_AREA[layer]] ?? null, { fileId: log.fileId, logId: log.logId }));
        }
      }
      return reply.type('application/geo+json').send({ type: 'FeatureCollection', features });
    },
  );
}
