/**
 * The simulation without any transport: a road, a vehicle on it, its camera, IMU and expert,
 * and the metrics, advanced by fixed physics steps. `step()` applies the current command,
 * integrates one step and says which sensors are due; the caller renders or reads them then.
 * All randomness comes from the seed, so equal options give equal images and poses.
 */
import { InputError } from '../errors';
import { PinholeCamera, PinholeCameraOptions } from './camera';
import { Condition } from './conditions';
import { DriveCommand, StanleyExpert, StanleyOptions } from './expert';
import { ImuModel, ImuOptions, ImuReading } from './imu';
import { DrivingMetrics } from './metrics';
import { OrnsteinUhlenbeck, OuNoiseOptions } from './ou_noise';
import { RoadRenderer } from './renderer';
import { Road, RoadPoint, RoadProjection, RoadShapeOptions } from './road';
import { RoadRaster } from './road_raster';
import { SeededRng } from './rng';
import { SensorClock, SensorTiming } from './sensor_clock';
import { BicycleOptions, KinematicBicycle } from './vehicle';

export interface SimulatorOptions {
  /** Seeds the road (unless `road` is given), the sensor noise and timing, and the steering noise. */
  seed: number;
  /** A road to drive on instead of one generated from the seed. */
  road?: Road;
  /** Shape of the generated road. */
  roadShape?: Partial<Omit<RoadShapeOptions, 'seed'>>;
  /** Lighting, weather and camera timing; default `summer`. */
  condition?: Condition;
  /** Overrides of the condition's camera timing (rate, jitter, drops). */
  cameraTiming?: Partial<SensorTiming>;
  vehicle?: Partial<BicycleOptions>;
  camera?: Partial<PinholeCameraOptions>;
  imu?: Partial<ImuOptions>;
  expert?: Partial<StanleyOptions>;
  /** Who drives: the expert, or whoever calls setCommand (a policy). Default 'external'. */
  driver?: 'expert' | 'external';
  /** Noise added to the executed steering while the expert drives (rad); the expert's own command stays clean. */
  steeringNoise?: OuNoiseOptions;
  /** Physics step (s); default 0.01. */
  dt?: number;
  /** Sim time at the start (s); default 0. */
  startTime?: number;
  /** Start pose: arc length along the road (m), offset to the left of the centre line (m), heading error (rad), speed (m/s). */
  start?: { s?: number; offset?: number; yawError?: number; speed?: number };
  /** Interval between recorded path points (s); default 0.1. */
  pathInterval?: number;
}

export interface SensorsDue {
  camera: boolean;
  imu: boolean;
}

export class Simulator {
  readonly seed: number;
  readonly dt: number;
  readonly dtNs: number;
  readonly startNs: number;
  readonly driver: 'expert' | 'external';
  readonly road: Road;
  readonly raster: RoadRaster;
  readonly condition: Condition;
  readonly vehicle: KinematicBicycle;
  readonly camera: PinholeCamera;
  readonly renderer: RoadRenderer;
  readonly imu: ImuModel;
  readonly expert: StanleyExpert;
  readonly metrics: DrivingMetrics;
  /** What the expert wants in the current state (refreshed every step, whoever drives). */
  readonly expertCommand: DriveCommand = { speed: 0, steer: 0 };
  /** The rear axle relative to the road, as of the last step. */
  readonly projection: RoadProjection = { s: 0, crossTrack: 0, heading: 0, curvature: 0, index: -1 };
  /** The rear axle's path, one point per `pathInterval`. */
  readonly path: Array<[number, number]> = [];
  private readonly steeringNoise: OrnsteinUhlenbeck;
  private readonly cameraClock: SensorClock;
  private readonly imuClock: SensorClock;
  private readonly due: SensorsDue = { camera: false, imu: false };
  private readonly pathEvery: number;
  private steps = 0;

  constructor(options: SimulatorOptions) {
    this.seed = options.seed;
    this.dt = options.dt ?? 0.01;
    if (!(this.dt > 0 && this.dt <= 0.1)) throw new InputError(`physics step must be in (0, 0.1] s (got ${this.dt})`);
    this.dtNs = Math.round(this.dt * 1e9);
    this.startNs = Math.round((options.startTime ?? 0) * 1e9);
    this.driver = options.driver ?? 'external';
    const rng = new SeededRng(options.seed, 'sim');
    this.road = options.road ?? Road.generate({ ...options.roadShape, seed: options.seed });
    this.raster = new RoadRaster(this.road);
    this.condition = options.condition ?? Condition.named('summer');
    const start = options.start ?? {};
    const at: RoadPoint = this.road.pointAt(start.s ?? 0, { x: 0, y: 0, heading: 0, curvature: 0 });
    const offset = start.offset ?? 0;
    this.vehicle = new KinematicBicycle(options.vehicle, {
      x: at.x - offset * Math.sin(at.heading),
      y: at.y + offset * Math.cos(at.heading),
      yaw: at.heading + (start.yawError ?? 0),
      speed: start.speed ?? 0,
    });
    this.camera = new PinholeCamera(options.camera);
    this.renderer = new RoadRenderer(this.camera, this.raster, this.condition, rng.fork('camera'));
    this.imu = new ImuModel(options.imu ?? {}, rng.fork('imu'));
    this.expert = new StanleyExpert(this.road, this.vehicle.options.wheelbase, options.expert);
    this.steeringNoise = new OrnsteinUhlenbeck(options.steeringNoise ?? { std: 0, timeConstant: 1 }, rng.fork('steering-noise'));
    const timing = { ...this.condition.camera, ...options.cameraTiming };
    if (!(timing.rateHz > 0) || !(timing.jitter >= 0 && timing.jitter <= 0.5 / timing.rateHz) || !(timing.dropProbability >= 0 && timing.dropProbability < 1)) {
      throw new InputError(`camera timing needs a positive rate, jitter within half a period and a drop probability below 1 (got ${timing.rateHz} Hz, ${timing.jitter} s, ${timing.dropProbability})`);
    }
    this.cameraClock = new SensorClock(timing, this.startNs, rng.fork('camera-timing'));
    this.imuClock = new SensorClock({ rateHz: this.imu.options.rateHz, jitter: 0, dropProbability: 0 }, this.startNs, rng.fork('imu-timing'));
    this.metrics = new DrivingMetrics(this.road.length, this.road.halfWidth - this.vehicle.options.width / 2, this.dt);
    this.pathEvery = Math.max(1, Math.round((options.pathInterval ?? 0.1) / this.dt));
    this.observe();
  }

  /** Sim time (ns since the epoch of the sim clock). */
  get timeNs(): number {
    return this.startNs + this.steps * this.dtNs;
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** An external driver's command (speed m/s, steering rad), applied from the next step on; ignored while the expert drives. */
  setCommand(speed: number, steer: number): void {
    if (this.driver === 'external') this.vehicle.setCommand(speed, steer);
  }

  /** Advances one physics step; the returned flags (reused between calls) say which sensors are due now. */
  step(): SensorsDue {
    if (this.driver === 'expert') {
      this.vehicle.setCommand(this.expertCommand.speed, this.expertCommand.steer + this.steeringNoise.next(this.dt));
    }
    this.vehicle.step(this.dt);
    this.steps++;
    this.observe();
    this.metrics.update(this.projection.s, this.projection.crossTrack);
    this.due.camera = this.cameraClock.due(this.timeNs);
    this.due.imu = this.imuClock.due(this.timeNs);
    return this.due;
  }

  /** The camera's view now, into `out` (rgb8, width·height·3 bytes). */
  renderCamera(out: Uint8Array): Uint8Array {
    const s = this.vehicle.state;
    this.renderer.render(s.x, s.y, s.yaw, out);
    return out;
  }

  /** An IMU reading now. */
  readImu(out: ImuReading): ImuReading {
    return this.imu.read(this.vehicle.state, out);
  }

  /** Updates what depends on the pose: the road projection, the expert's wish, the path. */
  private observe(): void {
    const s = this.vehicle.state;
    this.road.project(s.x, s.y, this.projection, this.projection.index);
    this.expert.command(s, this.expertCommand);
    if (this.steps % this.pathEvery === 0) this.path.push([s.x, s.y]);
  }
}
