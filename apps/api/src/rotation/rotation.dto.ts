import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ROTATION_STATUSES, RotationStatus } from './rotation.entities';

const MAX_GRACE_SECONDS = 365 * 24 * 3600;

export class CreateRotationDto {
  @ApiProperty({ description: 'Why the key should rotate (shown to approvers, kept in the audit log)', minLength: 10, maxLength: 500 })
  @IsString()
  @Length(10, 500)
  reason!: string;

  @ApiPropertyOptional({ description: 'How long the current key stays verify-only afterwards (default ROTATION_GRACE_HOURS)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  graceSeconds?: number;
}

export class AmendRotationDto {
  @ApiPropertyOptional({ minLength: 10, maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(10, 500)
  reason?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  graceSeconds?: number;
}

export class VoteDto {
  @ApiProperty({ description: 'requestHash of the request as the voter reviewed it; a changed request refuses the vote' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'requestHash must be 64 lowercase hex characters' })
  requestHash!: string;
}

export class RejectDto extends VoteDto {
  @ApiProperty({ description: 'Why the request is rejected (shown in its history, kept in the audit log)', minLength: 10, maxLength: 500 })
  @IsString()
  @Length(10, 500)
  reason!: string;
}

export class ListRotationsQuery {
  @ApiPropertyOptional({ enum: ROTATION_STATUSES })
  @IsOptional()
  @IsIn(ROTATION_STATUSES as unknown as string[])
  status?: RotationStatus;
}

export class MinVersionDto {
  @ApiProperty({ description: 'Key versions below this serve nothing, not even existing sessions (1..active version)' })
  @IsInt()
  @Min(1)
  minVersion!: number;

  @ApiProperty({ description: 'Why (shown to approvers, kept in the audit log)', minLength: 10, maxLength: 500 })
  @IsString()
  @Length(10, 500)
  reason!: string;
}
