import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_AUDIT_SEQ, MAX_LIST_LIMIT } from './audit.service';

/** GET /audit query: every filter optional; newest first, page on with beforeSeq. */
export class ListAuditQuery {
  @ApiPropertyOptional({ description: 'Exact action, e.g. rotation_approved', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({ description: 'Exact actor id', maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  actorId?: string;

  @ApiPropertyOptional({ description: 'Exact actor name (as the dashboard shows it)', maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  actorName?: string;

  @ApiPropertyOptional({ description: 'Entries at or after this time, ms since epoch' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since?: number;

  @ApiPropertyOptional({ description: 'Entries at or before this time, ms since epoch' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  until?: number;

  @ApiPropertyOptional({ description: `Page size (default 50)`, minimum: 1, maximum: MAX_LIST_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only entries with a smaller seq: the nextBeforeSeq of the previous page', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_SEQ)
  beforeSeq?: number;

  @ApiPropertyOptional({ description: 'Only entries with a larger seq: the newer page before one whose first seq this is (its oldest entries, newest first)', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_AUDIT_SEQ)
  afterSeq?: number;

  @ApiPropertyOptional({
    enum: ['full', 'summary'],
    description: 'full (default): every field, signature included, to check entries offline; summary: without prevHash, hash, signature and sigKeyVersion (GET /audit/{seq} has them)',
  })
  @IsOptional()
  @IsIn(['full', 'summary'])
  view?: 'full' | 'summary';
}

class AuditActorDto {
  @ApiProperty({ enum: ['admin', 'system', 'cli', 'anonymous'] }) type!: string;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: ['admin', 'viewer'], nullable: true, description: "The account's role when the entry was written (details.actorRole); null where none was recorded" })
  role!: 'admin' | 'viewer' | null;
}

/** One entry with everything needed to check it offline: hash inputs, hash, signature, key version. */
export class AuditEntryDto {
  @ApiProperty({ description: 'Gapless from 1' }) seq!: number;
  @ApiProperty({ description: 'ms since epoch' }) at!: number;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty() action!: string;
  @ApiProperty({ type: String, nullable: true }) target!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: Number, nullable: true }) keyVersionBefore!: number | null;
  @ApiProperty({ type: Number, nullable: true }) keyVersionAfter!: number | null;
  @ApiProperty({ description: 'hash of the entry before (64 zeros for seq 1)', pattern: '^[0-9a-f]{64}$' }) prevHash!: string;
  @ApiProperty({ description: 'SHA-256 of the canonical encoding (apps/api/src/audit/audit.hash.ts)', pattern: '^[0-9a-f]{64}$' }) hash!: string;
  @ApiProperty({ description: 'base64url ML-DSA-65 signature over the 32 hash bytes, context "neural-fabric/audit/v1"' }) signature!: string;
  @ApiProperty({ description: 'Identity key version that signed' }) sigKeyVersion!: number;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'With view=summary, without prevHash, hash, signature and sigKeyVersion' }) entries!: AuditEntryDto[];
  @ApiPropertyOptional({ description: 'beforeSeq for the next (older) page; absent on the last page' }) nextBeforeSeq?: number;
  @ApiProperty({ description: 'Entries the filters match, all pages together' }) total!: number;
  @ApiProperty({ description: 'Matching entries newer than this page: it shows entries newer+1 .. newer+entries.length of total' }) newer!: number;
}

class AuditFacetActorDto {
  @ApiProperty({ enum: ['admin', 'system', 'cli', 'anonymous'] }) type!: string;
  @ApiProperty() name!: string;
}

export class AuditFacetsDto {
  @ApiProperty({ type: [String], description: 'Every action in the log, sorted' }) actions!: string[];
  @ApiProperty({ type: [AuditFacetActorDto], description: 'Every named actor in the log, sorted by name' }) actors!: AuditFacetActorDto[];
}

class BrokenLinkDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ enum: ['missing seq', 'broken link to previous', 'hash mismatch', 'bad signature'] }) reason!: string;
}

export class AuditChainReportDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'Entries in the log' }) entries!: number;
  @ApiPropertyOptional({ type: BrokenLinkDto, description: 'The first entry that does not hold' }) firstBroken?: BrokenLinkDto;
  @ApiProperty({ description: 'When the walk finished, ms since epoch' }) checkedAt!: number;
}
