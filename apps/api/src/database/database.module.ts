import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SETTINGS } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './migrator';

/** The connection, migrated before any provider can receive it. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SETTINGS],
      useFactory: (settings: Settings) => ({ ...dataSourceOptions(settings.database), autoLoadEntities: true, retryAttempts: 0 }),
      dataSourceFactory: async (options) => {
        const logger = new Logger(DatabaseModule.name);
        if (options?.type === 'better-sqlite3' && options.database !== ':memory:') {
          mkdirSync(path.dirname(options.database), { recursive: true });
        }
        const dataSource = await new DataSource(options!).initialize();
        const applied = await runMigrations(dataSource);
        logger.log(`database ready (${options!.type}${applied.length ? `; applied ${applied.join(', ')}` : ''})`);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
