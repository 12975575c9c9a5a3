/**
 * A small builder for Grafana dashboard JSON (schema 39): rows of time series and stat panels
 * laid out on Grafana's 24-column grid, every query against a `datasource` variable so the
 * dashboard works with whatever the Prometheus data source is called.
 *
 * Only what the platform's dashboards use; anything else is plain JSON Grafana fills in.
 */

/** Grafana's grid is 24 columns wide. */
export const GRID_COLUMNS = 24;
const PANEL_HEIGHT = 8;
const STAT_HEIGHT = 4;

/** The template variable every panel's data source points at. */
export const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** One PromQL query of a panel. */
export interface QuerySpec {
  readonly expr: string;
  /** Series name in the legend, e.g. `p95` or `{{pod}}`. */
  readonly legend: string;
}

/** A horizontal line (time series) or colour step (stat) at a value. */
export interface ThresholdSpec {
  readonly value: number;
  readonly color: 'orange' | 'red';
}

export interface PanelSpec {
  readonly title: string;
  /** Shown in the panel's info tooltip: what the numbers mean and where the threshold comes from. */
  readonly description: string;
  /** Grafana unit id: `s`, `reqps`, `percentunit`, `short`, `watt`, `mbytes`, `celsius`. */
  readonly unit: string;
  readonly queries: readonly QuerySpec[];
  readonly thresholds?: readonly ThresholdSpec[];
  /** @default - timeseries */
  readonly kind?: 'timeseries' | 'stat';
  /** Draw bars instead of lines (events per interval). @default false */
  readonly bars?: boolean;
  /** @default - 8 columns for time series, 4 for stats */
  readonly width?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** An annotation drawn on every panel when its query returns a value. */
export interface AnnotationSpec {
  readonly name: string;
  readonly expr: string;
  readonly title: string;
  readonly color: string;
}

export interface DashboardSpec {
  /** Stable id (at most 40 characters): links and bookmarks survive renames. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
  readonly annotations?: readonly AnnotationSpec[];
  /** Links shown in the dashboard header, e.g. to the per-model dashboards. */
  readonly links?: readonly { readonly title: string; readonly uid: string }[];
}

/** A Grafana dashboard as JSON. */
export type DashboardJson = Record<string, unknown> & { readonly uid: string; readonly panels: readonly GrafanaPanel[] };

export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly { readonly refId: string; readonly expr: string; readonly legendFormat: string }[];
  readonly [k: string]: unknown;
}

function thresholdSteps(thresholds: readonly ThresholdSpec[] = []) {
  return {
    mode: 'absolute',
    steps: [{ color: 'green', value: null }, ...[...thresholds].sort((a, b) => a.value - b.value)],
  };
}

function panelJson(p: PanelSpec, id: number, gridPos: GrafanaPanel['gridPos']): GrafanaPanel {
  const stat = p.kind === 'stat';
  const refIds = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return {
    id,
    type: stat ? 'stat' : 'timeseries',
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    gridPos,
    targets: p.queries.map((q, i) => ({ refId: refIds[i]!, datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend, range: true })),
    fieldConfig: {
      defaults: {
        unit: p.unit,
        ...(p.min !== undefined ? { min: p.min } : {}),
        ...(p.max !== undefined ? { max: p.max } : {}),
        thresholds: thresholdSteps(p.thresholds),
        ...(stat
          ? { color: { mode: 'thresholds' } }
          : {
              color: { mode: 'palette-classic' },
              custom: {
                drawStyle: p.bars ? 'bars' : 'line',
                lineWidth: 1,
                fillOpacity: p.bars ? 80 : 10,
                showPoints: 'never',
                spanNulls: false,
                thresholdsStyle: { mode: p.thresholds?.length ? 'dashed' : 'off' },
              },
            }),
      },
      overrides: [],
    },
    options: stat
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'background',
          graphMode: 'area',
          textMode: 'auto',
        }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

/** Lay the rows out top to bottom and their panels left to right, wrapping at 24 columns. */
export function dashboardJson(spec: DashboardSpec): DashboardJson {
  if (spec.uid.length > 40) throw new Error(`dashboard uid must be at most 40 characters, got ${spec.uid} (${spec.uid.length})`);
  const panels: GrafanaPanel[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? (p.kind === 'stat' ? 4 : 8);
      const h = p.kind === 'stat' ? STAT_HEIGHT : PANEL_HEIGHT;
      if (w > GRID_COLUMNS) throw new Error(`panel ${p.title} is ${w} columns wide, more than the grid's ${GRID_COLUMNS}`);
      if (x + w > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(p, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    templating: {
      list: [
        {
          name: DATASOURCE_VARIABLE,
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          options: [],
        },
      ],
    },
    annotations: {
      list: [
        {
          builtIn: 1,
          name: 'Annotations & Alerts',
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          type: 'dashboard',
        },
        ...(spec.annotations ?? []).map((a) => ({
          name: a.name,
          datasource: DATASOURCE,
          enable: true,
          iconColor: a.color,
          expr: a.expr,
          step: '60s',
          titleFormat: a.title,
        })),
      ],
    },
    links: (spec.links ?? []).map((l) => ({ title: l.title, type: 'link', url: `/d/${l.uid}`, targetBlank: false, icon: 'dashboard' })),
    panels,
  };
}
