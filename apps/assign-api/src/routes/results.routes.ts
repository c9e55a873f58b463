import { FeatureCollectionSchema, type ApplicationFile, type FeatureCollection } from '@agair/domain-models';
import { Role, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { applicationTotals } from '../results/application-totals.js';
import { JobIdParams } from './jobs.schemas.js';
import { ApplicationsResponse } from './results.schemas.js';
import { jobForCaller, type RouteContext } from './route-context.js';

const tags = ['results'];
const config = { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] };
const MAX_FILES = 1000;

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
      const files = await repositories.applicationRecords.listFilesByCustomer(job.customerId, { jobId: job.id, limit: MAX_FILES });
      files.sort((a, b) => (a.summary.startTime ?? a.createdAt).localeCompare(b.summary.startTime ?? b.createdAt));
      return { jobId: job.id, files: files.map(fileSummary), totals: applicationTotals(files, job.targetRateLPerHa) };
    },
  );

  app.get(
    '/api/jobs/:jobId/coverage',
    {
      config,
      schema: {
        tags,
        summary: 'As-applied coverage of a job: a GeoJSON FeatureCollection with one Feature per flight log',
        params: JobIdParams,
        produces: ['application/geo+json', 'application/json'],
        response: { 200: FeatureCollectionSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const job = await jobForCaller(context, principalOf(request), request.params.jobId);
      const coverages = await repositories.applicationRecords.listCoverageByJob(job.customerId, job.id);
      const collection: FeatureCollection = {
        type: 'FeatureCollection',
        features: coverages.map((c) => ({ type: 'Feature', id: c.fileId, geometry: c.coverage, properties: { fileId: c.fileId, logId: c.logId } })),
      };
      return reply.type('application/geo+json').send(collection);
    },
  );
}
