import { DataSource } from 'typeorm';
import { loadEnv } from '../env/env.loader';
import { dataSourceOptions } from './database.options';

/** Entry point for the TypeORM CLI (migration:generate / migration:run). */
export default new DataSource({
  ...dataSourceOptions(loadEnv(process.cwd(), process.env).settings.database),
  entities: [`${__dirname}/../**/*.entity.{ts,js}`],
});
