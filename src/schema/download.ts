import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum ArchiveFormatEnum {
  ZIP = 'zip',
  TAR = 'tar',
}
registerEnumType(ArchiveFormatEnum, {
  name: 'ArchiveFormat',
  description: 'Uncompressed archive of a cohort (the PNGs are compressed already); both resume with HTTP Range.',
  valuesConfig: {
    ZIP: { description: 'A zip of stored (uncompressed) entries, with ZIP64 records when over 4 GiB or 65,535 files.' },
    TAR: { description: 'A POSIX ustar archive.' },
  },
});

@ObjectType({ description: 'A short-lived link to a cohort archive; it works only with the API key of the partner it was issued to.' })
export class DownloadLink {
  @Field({
    description:
      'GET it with "Authorization: Bearer <key>". Absolute when the server has a public URL configured, otherwise a path on the API\'s origin.',
  })
  url: string;
  @Field({ description: 'After this instant (ISO 8601, UTC; 15 minutes after issue by default) the link is refused; ask for a new one (the archive bytes stay identical).' })
  expiresAt: Date;
}
