/** Minimal RFC 7946 GeoJSON types (WGS84, positions are [lon, lat]). */
export type LonLat = [lon: number, lat: number];

export interface GeoJsonPolygon {
  type: 'Polygon';
  coordinates: LonLat[][];
}

export interface GeoJsonMultiPolygon {
  type: 'MultiPolygon';
  coordinates: LonLat[][][];
}

export interface GeoJsonFeature<G = GeoJsonPolygon | GeoJsonMultiPolygon, P = Record<string, unknown>> {
  type: 'Feature';
  geometry: G;
  properties: P;
}

export interface GeoJsonFeatureCollection<G = GeoJsonPolygon | GeoJsonMultiPolygon, P = Record<string, unknown>> {
  type: 'FeatureCollection';
  features: GeoJsonFeature<G, P>[];
}
