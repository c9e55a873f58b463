import { AssignStatus, AssignStatusName, PartnerCode, type JobAssign } from '@agair/domain-models';
import { jobNumberFor } from '@agair/runtime';
import { jobFileFromGeoJson, writeJobFile } from '@agair/satloc-parser';
import { NotImplementedError, Role, errorResponses, principalOf, type HttpApp } from '@agair/service-kit';
import { jobToFeatureCollection, safeFileName } from '../export/job-geojson.js';
import { DownloadJobBody, DownloadJobResponse, NewJobsQuery, NewJobsResponse } from './export.schemas.js';
import { jobForCaller, listCustomer, type RouteContext } from './route-context.js';

const tags = ['export'];
const config = { roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] };
const LIST_LIMIT = 1000;

export function registerExportRoutes(app: HttpApp, context: RouteContext): void {
  const { repositories } = context;

  app.get(
    '/api/export/newJobs',
    {
      config,
      schema: {
        tags,
        summary: 'Assignments waiting for download, grouped internal / partners',
        description: 'internal: NEW assignments of users without a partner system; partners: NEW (upload queued) and UPLOADED assignments of partner aircraft, per lower-case partner code.',
        querystring: NewJobsQuery,
        response: { 200: NewJobsResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const customerId = listCustomer(principalOf(request), request.query.customerId);
      const userId = request.query.userId;
      const filter = { ...(userId ? { userId } : {}), limit: LIST_LIMIT };
      const [fresh, uploaded] = await Promise.all([
        repositories.jobAssigns.listByCustomer(customerId, { ...filter, status: AssignStatus.NEW }),
        repositories.jobAssigns.listByCustomer(customerId, { ...filter, status: AssignStatus.UPLOADED }),
      ]);
      const assigns = [...fresh, ...uploaded.filter((a) => a.partnerCode !== null)].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const jobs = await repositories.jobs.findByIds(customerId, [...new Set(assigns.map((a) => a.jobId))]);
      const jobNames = new Map(jobs.map((j) => [j.id, j.name]));
      const item = (a: JobAssign) => ({
        assignmentId: a.id,
        jobId: a.jobId,
        jobName: jobNames.get(a.jobId) ?? '',
        userId: a.userId,
        date: a.createdAt,
        status: AssignStatusName[a.status] as 'NEW' | 'UPLOADED',
        partnerCode: a.partnerCode,
        externalJobId: a.extJobId,
        syncStatus: a.upload.syncStatus,
      });
      const partners: Record<string, ReturnType<typeof item>[]> = {};
      const internal: ReturnType<typeof item>[] = [];
      for (const a of assigns) {
        if (!jobNames.has(a.jobId)) continue;
        if (a.partnerCode) (partners[a.partnerCode.toLowerCase()] ??= []).push(item(a));
        else internal.push(item(a));
      }
      return { customerId, internal, partners };
    },
  );

  app.post(
    '/api/export/downloadJob',
    {
      config,
      schema: {
        tags,
        summary: "Download a job: SatLoc .JOB text (native, satloc), the job JSON (native, internal) or GeoJSON (converted); marks the job's internal assignments DOWNLOADED",
        description:
          'Responds with a `Content-Disposition: attachment` file. Every NEW assignment of the job to a user without a partner system (only `userId`\'s when given) becomes DOWNLOADED; ' +
          'the count is in the `x-assignments-downloaded` header. Partner assignments are never changed here.',
        body: DownloadJobBody,
        produces: ['text/plain', 'application/geo+json', 'application/json'],
        response: { 200: DownloadJobResponse, ...errorResponses(400, 401, 403, 404, 429, 501) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { jobId, format, userId } = request.body;
      const partnerType = request.body.partnerType.toUpperCase();
      const job = await jobForCaller(context, principal, jobId);
      if (partnerType === PartnerCode.AGIDRONEX && format === 'native') {
        throw new NotImplementedError('PARTNER_NOT_IMPLEMENTED', 'AGIDRONEX has no native job format yet; ask for format=converted');
      }

      const internalNew = (await repositories.jobAssigns.listByCustomer(job.customerId, { jobId, status: AssignStatus.NEW, limit: LIST_LIMIT, ...(userId ? { userId } : {}) })).filter(
        (a) => a.partnerCode === null,
      );
      let marked = 0;
      for (const assign of internalNew) {
        if (await repositories.jobAssigns.markDownloaded(job.customerId, assign.id)) {
          marked += 1;
          request.log.info({ assignId: assign.id, customerId: job.customerId, partnerCode: null, jobId }, 'assignment downloaded');
        }
      }
      void reply.header('x-assignments-downloaded', String(marked));

      if (format === 'converted') {
        return reply
          .type('application/geo+json')
          .header('content-disposition', `attachment; filename="${safeFileName(job.name, '.geojson')}"`)
          .send(jobToFeatureCollection(job));
      }
      if (partnerType === PartnerCode.SATLOC) {
        const jobNumber = jobNumberFor(job.id);
        const text = writeJobFile(jobFileFromGeoJson(jobNumber, job.name, job.boundary, job.exclusions));
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="${jobNumber}.JOB"`)
          .send(text);
      }
      return reply.type('application/json').header('content-disposition', `attachment; filename="${safeFileName(job.name, '.json')}"`).send(job);
    },
  );
}
