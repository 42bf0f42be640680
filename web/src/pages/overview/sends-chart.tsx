import { useElementSize } from '@mantine/hooks';
import { AxisBottom, AxisLeft } from '@visx/axis';
import { GridRows } from '@visx/grid';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar } from '@visx/shape';
import { formatHour } from '../../components/format.js';

const HEIGHT = 220;
const MARGIN = { top: 8, right: 8, bottom: 28, left: 36 };
const axisLabel = { fontSize: 11, fill: 'var(--mantine-color-dimmed)', fontFamily: 'inherit' } as const;

function Bars({ hours, width }: { hours: { hour: string; sends: number }[]; width: number }) {
  const innerWidth = Math.max(0, width - MARGIN.left - MARGIN.right);
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand({ domain: hours.map((hour) => hour.hour), range: [0, innerWidth], padding: 0.2 });
  const y = scaleLinear({ domain: [0, Math.max(1, ...hours.map((hour) => hour.sends))], range: [innerHeight, 0], nice: true });
  // One label every few hours, fewer on narrow screens.
  const every = innerWidth < 400 ? 6 : 3;
  return (
    <svg width={width} height={HEIGHT} aria-hidden>
      <Group left={MARGIN.left} top={MARGIN.top}>
        <GridRows scale={y} width={innerWidth} numTicks={4} stroke="var(--mantine-color-default-border)" />
        {hours.map((hour) => {
          const top = y(hour.sends);
          return (
            <Bar
              key={hour.hour}
              x={x(hour.hour)}
              y={top}
              width={x.bandwidth()}
              height={innerHeight - top}
              rx={3}
              style={{ fill: 'var(--mantine-color-blue-filled)' }}
            >
              <title>{`${formatHour(hour.hour)}: ${hour.sends} sends`}</title>
            </Bar>
          );
        })}
        <AxisLeft
          scale={y}
          numTicks={4}
          tickFormat={(value) => String(value)}
          hideAxisLine
          hideTicks
          tickLabelProps={() => ({ ...axisLabel, textAnchor: 'end', dx: -4, dy: 3 })}
        />
        <AxisBottom
          top={innerHeight}
          scale={x}
          tickValues={hours.filter((_, index) => index % every === 0).map((hour) => hour.hour)}
          tickFormat={(value) => formatHour(value)}
          stroke="var(--mantine-color-default-border)"
          hideTicks
          tickLabelProps={() => ({ ...axisLabel, textAnchor: 'middle' })}
        />
      </Group>
    </svg>
  );
}

/**
 * Sends per hour as bars, drawn in SVG with visx (d3's scales as React components) in
 * Mantine's colours. Its own chunk: the numbers above it show before it loads.
 */
export default function SendsChart({ hours }: { hours: { hour: string; sends: number }[] }) {
  const { ref, width } = useElementSize();
  return (
    <div ref={ref} style={{ height: HEIGHT }}>
      {width > 0 && <Bars hours={hours} width={width} />}
    </div>
  );
}
